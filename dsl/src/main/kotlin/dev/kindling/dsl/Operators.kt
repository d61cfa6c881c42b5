package dev.kindling.dsl

import dev.kindling.tensor.NDArray

/*
 * Arithmetic operators on Tensor, with a Number on either side. A Kotlin Int or Long acts as a Python int
 * (an int64 tensor stays int64), a Float or Double as a Python float (an integer tensor becomes float32),
 * and `/` is true division, as in PyTorch. Every operator is the Java method of the same meaning, so
 * gradients flow through all of them.
 *
 * `a / b` between tensors is the Java method `div` itself, which Kotlin already takes as the operator.
 *
 * `x += y` on a `var` means `x = x + y`: a new tensor, which is what autograd needs. There is deliberately
 * no `plusAssign` (it would make `+=` ambiguous on a `var`); in-place updates stay explicit: `x.add_(y)`.
 */

/** a + b, broadcasting. `x += y` on a `var` rebinds `x` to `x + y` (out of place); use `add_` to write in place. */
operator fun Tensor.plus(other: Tensor): Tensor = add(other)

/** x + s. */
operator fun Tensor.plus(other: Number): Tensor = if (other.isIntegral()) add(other.toLong()) else add(other.toDouble())

/** s + x. */
operator fun Number.plus(other: Tensor): Tensor = other + this

/** a - b, broadcasting. */
operator fun Tensor.minus(other: Tensor): Tensor = sub(other)

/** x - s. */
operator fun Tensor.minus(other: Number): Tensor = if (other.isIntegral()) sub(other.toLong()) else sub(other.toDouble())

/** s - x (an integer s keeps an integer tensor integral). */
operator fun Number.minus(other: Tensor): Tensor =
    if (isIntegral() && !other.dtype().isFloatingPoint()) other.neg().add(toLong()) else other.rsub(toDouble())

/** a * b elementwise, broadcasting (the matrix product is [matmul]). */
operator fun Tensor.times(other: Tensor): Tensor = mul(other)

/** x * s. */
operator fun Tensor.times(other: Number): Tensor = if (other.isIntegral()) mul(other.toLong()) else mul(other.toDouble())

/** s * x. */
operator fun Number.times(other: Tensor): Tensor = other * this

/** x / s. */
operator fun Tensor.div(other: Number): Tensor = if (other.isIntegral()) div(other.toLong()) else div(other.toDouble())

/** s / x. */
operator fun Number.div(other: Tensor): Tensor = other.rdiv(toDouble())

/** a % b with the sign of b (Python's and PyTorch's remainder). */
operator fun Tensor.rem(other: Tensor): Tensor = remainder(other)

/** x % s. */
operator fun Tensor.rem(other: Number): Tensor = remainder(scalarLike(this, other))

/** -x. */
operator fun Tensor.unaryMinus(): Tensor = neg()

/** x itself. */
operator fun Tensor.unaryPlus(): Tensor = this

/** The logical negation of a bool mask: `!(x gt 0)`. */
operator fun Tensor.not(): Tensor = logicalNot()

/** The matrix product, as `a @ b` in Python: `x matmul w.T`. */
infix fun Tensor.matmul(other: Tensor): Tensor = this.matmul(other)

/** x ** e, elementwise. */
infix fun Tensor.pow(exponent: Number): Tensor = this.pow(exponent.toDouble())

/** x ** e, elementwise, broadcasting. */
infix fun Tensor.pow(exponent: Tensor): Tensor = this.pow(exponent)

/** PyTorch's `x.T`: the dims reversed (for a matrix, its transpose; a 0-d or 1-d tensor is returned as is). */
@Suppress("ktlint:standard:property-naming")
val Tensor.T: Tensor
    get() = if (dim() <= 2) (if (dim() < 2) this else t()) else permute(*IntArray(dim()) { dim() - 1 - it })

// ---------------------------------------------------------------- comparisons: bool masks

/*
 * Kotlin's `<` and `==` must return Boolean/Int, so elementwise comparisons are infix functions that return
 * bool tensors (masks), as PyTorch's `x > 0`: `x[x gt 0]`, `where(x lt 0, -x, x)`.
 */

/** Elementwise a == b, a bool mask. */
infix fun Tensor.eq(other: Tensor): Tensor = this.eq(other)

/** Elementwise x == s. */
infix fun Tensor.eq(other: Number): Tensor = this.eq(other.toDouble())

/** Elementwise a != b. */
infix fun Tensor.ne(other: Tensor): Tensor = this.ne(other)

/** Elementwise x != s. */
infix fun Tensor.ne(other: Number): Tensor = this.ne(other.toDouble())

/** Elementwise a < b. */
infix fun Tensor.lt(other: Tensor): Tensor = this.lt(other)

/** Elementwise x < s. */
infix fun Tensor.lt(other: Number): Tensor = this.lt(other.toDouble())

/** Elementwise a <= b. */
infix fun Tensor.le(other: Tensor): Tensor = this.le(other)

/** Elementwise x <= s. */
infix fun Tensor.le(other: Number): Tensor = this.le(other.toDouble())

/** Elementwise a > b. */
infix fun Tensor.gt(other: Tensor): Tensor = this.gt(other)

/** Elementwise x > s. */
infix fun Tensor.gt(other: Number): Tensor = this.gt(other.toDouble())

/** Elementwise a >= b. */
infix fun Tensor.ge(other: Tensor): Tensor = this.ge(other)

/** Elementwise x >= s. */
infix fun Tensor.ge(other: Number): Tensor = this.ge(other.toDouble())

/** Elementwise logical and of two masks. */
infix fun Tensor.and(other: Tensor): Tensor = logicalAnd(other)

/** Elementwise logical or of two masks. */
infix fun Tensor.or(other: Tensor): Tensor = logicalOr(other)

/** cond ? a : b elementwise, broadcasting: `where(x gt 0, x, 0.01 * x)`. */
fun where(condition: Tensor, a: Tensor, b: Tensor): Tensor = Tensor.where(condition, a, b)

/** cond ? a : s elementwise. */
fun where(condition: Tensor, a: Tensor, b: Number): Tensor = Tensor.where(condition, a, scalarLike(a, b))

/** cond ? s : b elementwise. */
fun where(condition: Tensor, a: Number, b: Tensor): Tensor = Tensor.where(condition, scalarLike(b, a), b)

internal fun Number.isIntegral(): Boolean = this is Int || this is Long || this is Short || this is Byte

/** A 0-d tensor holding [value] on [like]'s device, of the dtype PyTorch would give the scalar beside [like]. */
internal fun scalarLike(like: Tensor, value: Number): Tensor {
    val dtype = when {
        like.dtype().isFloatingPoint() -> like.dtype()
        value.isIntegral() -> like.dtype()
        else -> DType.FLOAT32
    }
    return Tensor.wrap(NDArray.full(value.toDouble(), dtype, like.device()))
}
