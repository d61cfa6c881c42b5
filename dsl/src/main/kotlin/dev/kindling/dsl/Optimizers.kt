package dev.kindling.dsl

import dev.kindling.nn.utils.ClipGrad
import dev.kindling.optim.Adadelta
import dev.kindling.optim.Adam as JavaAdam
import dev.kindling.optim.AdamW as JavaAdamW
import dev.kindling.optim.SGD as JavaSGD
import dev.kindling.optim.Adagrad
import dev.kindling.optim.Adamax
import dev.kindling.optim.NAdam
import dev.kindling.optim.RMSprop

/*
 * Optimizers with torch.optim's keyword arguments and defaults: `adam(model.parameters(), lr = 1e-3)`,
 * `sgd(params, lr = 0.1, momentum = 0.9)`. [betas] are pairs: `betas = 0.9 to 0.98`.
 */

/** Stochastic gradient descent, with optional (Nesterov) momentum, dampening and weight decay. */
fun sgd(
    params: Iterable<Tensor>,
    lr: Double = 1e-3,
    momentum: Double = 0.0,
    dampening: Double = 0.0,
    weightDecay: Double = 0.0,
    nesterov: Boolean = false,
    maximize: Boolean = false,
): SGD = SGD(
    params,
    JavaSGD.Options().lr(lr).momentum(momentum).dampening(dampening).weightDecay(weightDecay).nesterov(nesterov).maximize(maximize),
)

/** Adam; [decoupledWeightDecay] makes it AdamW. */
fun adam(
    params: Iterable<Tensor>,
    lr: Double = 1e-3,
    betas: Pair<Double, Double> = 0.9 to 0.999,
    eps: Double = 1e-8,
    weightDecay: Double = 0.0,
    amsgrad: Boolean = false,
    maximize: Boolean = false,
    decoupledWeightDecay: Boolean = false,
): Adam = Adam(
    params,
    JavaAdam.Options().lr(lr).betas(betas.first, betas.second).eps(eps).weightDecay(weightDecay).amsgrad(amsgrad)
        .maximize(maximize).decoupledWeightDecay(decoupledWeightDecay),
)

/** AdamW: Adam with decoupled weight decay (default 0.01). */
fun adamW(
    params: Iterable<Tensor>,
    lr: Double = 1e-3,
    betas: Pair<Double, Double> = 0.9 to 0.999,
    eps: Double = 1e-8,
    weightDecay: Double = 1e-2,
    amsgrad: Boolean = false,
    maximize: Boolean = false,
): AdamW = AdamW(
    params,
    JavaAdamW.Options().lr(lr).betas(betas.first, betas.second).eps(eps).weightDecay(weightDecay).amsgrad(amsgrad).maximize(maximize),
)

/** Adamax: Adam with the infinity norm. */
fun adamax(
    params: Iterable<Tensor>,
    lr: Double = 2e-3,
    betas: Pair<Double, Double> = 0.9 to 0.999,
    eps: Double = 1e-8,
    weightDecay: Double = 0.0,
    maximize: Boolean = false,
): Adamax = Adamax(params, Adamax.Options().lr(lr).betas(betas.first, betas.second).eps(eps).weightDecay(weightDecay).maximize(maximize))

/** NAdam: Adam with Nesterov momentum. */
fun nAdam(
    params: Iterable<Tensor>,
    lr: Double = 2e-3,
    betas: Pair<Double, Double> = 0.9 to 0.999,
    eps: Double = 1e-8,
    weightDecay: Double = 0.0,
    momentumDecay: Double = 4e-3,
    decoupledWeightDecay: Boolean = false,
    maximize: Boolean = false,
): NAdam = NAdam(
    params,
    NAdam.Options().lr(lr).betas(betas.first, betas.second).eps(eps).weightDecay(weightDecay).momentumDecay(momentumDecay)
        .decoupledWeightDecay(decoupledWeightDecay).maximize(maximize),
)

/** RMSprop. */
fun rmsprop(
    params: Iterable<Tensor>,
    lr: Double = 1e-2,
    alpha: Double = 0.99,
    eps: Double = 1e-8,
    weightDecay: Double = 0.0,
    momentum: Double = 0.0,
    centered: Boolean = false,
    maximize: Boolean = false,
): RMSprop = RMSprop(
    params,
    RMSprop.Options().lr(lr).alpha(alpha).eps(eps).weightDecay(weightDecay).momentum(momentum).centered(centered).maximize(maximize),
)

/** Adagrad. */
fun adagrad(
    params: Iterable<Tensor>,
    lr: Double = 1e-2,
    lrDecay: Double = 0.0,
    weightDecay: Double = 0.0,
    initialAccumulatorValue: Double = 0.0,
    eps: Double = 1e-10,
    maximize: Boolean = false,
): Adagrad = Adagrad(
    params,
    Adagrad.Options().lr(lr).lrDecay(lrDecay).weightDecay(weightDecay).initialAccumulatorValue(initialAccumulatorValue).eps(eps)
        .maximize(maximize),
)

/** Adadelta. */
fun adadelta(
    params: Iterable<Tensor>,
    lr: Double = 1.0,
    rho: Double = 0.9,
    eps: Double = 1e-6,
    weightDecay: Double = 0.0,
    maximize: Boolean = false,
): Adadelta = Adadelta(params, Adadelta.Options().lr(lr).rho(rho).eps(eps).weightDecay(weightDecay).maximize(maximize))

/**
 * Scales the gradients of [params] together so their joint [normType]-norm is at most [maxNorm]; returns
 * the norm before clipping. Call between `backward()` and `step()`.
 */
fun clipGradNorm(params: Iterable<Tensor>, maxNorm: Double, normType: Double = 2.0, errorIfNonfinite: Boolean = false): Double =
    ClipGrad.clipGradNorm_(params, maxNorm, normType, errorIfNonfinite)

/** Clamps every gradient element of [params] into [-clipValue, clipValue]. */
fun clipGradValue(params: Iterable<Tensor>, clipValue: Double) = ClipGrad.clipGradValue_(params, clipValue)
