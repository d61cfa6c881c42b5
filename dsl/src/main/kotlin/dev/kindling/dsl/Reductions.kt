@file:Suppress("EXTENSION_SHADOWED_BY_MEMBER")

package dev.kindling.dsl

import dev.kindling.autograd.Tensor.ValuesIndices

/*
 * Reductions along one dim with PyTorch's `keepdim = false` default and named arguments:
 * `x.sum(dim = 1)`, `x.mean(0, keepdim = true)`, `val (values, indices) = x.max(dim = 1)`.
 * Each wraps the Java method of the same name, which Kotlin still calls when every argument is given
 * positionally; the extension adds the default and the names. The whole-tensor forms (`x.sum()`, `x.mean()`, `x.max()`) are the Java methods.
 */

/** The sum along [dim]. */
fun Tensor.sum(dim: Int, keepdim: Boolean = false): Tensor = sum(dim, keepdim)

/** The mean along [dim]. */
fun Tensor.mean(dim: Int, keepdim: Boolean = false): Tensor = mean(dim, keepdim)

/** The product along [dim]. */
fun Tensor.prod(dim: Int, keepdim: Boolean = false): Tensor = prod(dim, keepdim)

/** The standard deviation along [dim], with Bessel's correction unless [unbiased] is false. */
fun Tensor.std(dim: Int, unbiased: Boolean = true, keepdim: Boolean = false): Tensor = std(dim, unbiased, keepdim)

/** log(sum(exp(x))) along [dim], computed stably. */
fun Tensor.logsumexp(dim: Int, keepdim: Boolean = false): Tensor = logsumexp(dim, keepdim)

/** The largest values along [dim] and their indices: `val (values, indices) = x.max(dim = 1)`. */
fun Tensor.max(dim: Int, keepdim: Boolean = false): ValuesIndices = max(dim, keepdim)

/** The smallest values along [dim] and their indices. */
fun Tensor.min(dim: Int, keepdim: Boolean = false): ValuesIndices = min(dim, keepdim)

/** The index of the largest value along [dim] (int64). */
fun Tensor.argmax(dim: Int, keepdim: Boolean = false): Tensor = argmax(dim, keepdim)

/** The index of the smallest value along [dim] (int64). */
fun Tensor.argmin(dim: Int, keepdim: Boolean = false): Tensor = argmin(dim, keepdim)

/** The values, for `val (values, indices) = x.max(1)`. */
operator fun ValuesIndices.component1(): Tensor = values()

/** The indices, for `val (values, indices) = x.max(1)`. */
operator fun ValuesIndices.component2(): Tensor = indices()
