package dev.kindling.autograd

import dev.kindling.Random
import dev.kindling.tensor.DType
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import java.util.concurrent.Callable
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.math.abs
import kotlin.math.tanh

/**
 * The engine under load: deep and wide graphs, recursion and data-dependent control flow, several
 * threads at once, and random programs checked against finite differences. The random programs
 * use only the public API (Tensor, GradCheck, Autograd, GradMode, DType, Random), as an outside
 * program would.
 */
class AutogradScaleSpec : FunSpec({

    // ------------------------------------------------------------------ deep graphs

    test("backward through a 100,000-op chain works without StackOverflowError") {
        val x = Tensor.of(doubleArrayOf(1.0, 2.0)).requiresGrad_(true)
        var y = x
        repeat(100_000) { y = y.mul(1.0) }
        y.sum().backward()
        x.grad()!!.toDoubleArray() shouldBe doubleArrayOf(1.0, 1.0)
    }

    test("a 100,000-op chain that uses the same leaf at every step sums 100,001 gradients into it") {
        val x = Tensor.of(doubleArrayOf(1.0)).requiresGrad_(true)
        var y = x
        repeat(100_000) { y = y.add(x) }
        y.sum().backward()
        x.grad()!!.toDoubleArray() shouldBe doubleArrayOf(100_001.0)
    }

    test("a 100,000-op chain of ops that save tensors runs backward and is freed by it") {
        val x = Tensor.of(doubleArrayOf(0.5)).requiresGrad_(true)
        var y = x
        repeat(100_000) { y = y.sin().add(y.mul(0.0)) }
        val loss = y.sum()
        loss.backward()
        val g = x.grad()!!.item()
        g.isFinite() shouldBe true
        // sin^n(0.5) shrinks like sqrt(3/n), its derivative is the product of the cosines along the way
        var v = 0.5
        var d = 1.0
        repeat(100_000) { d *= kotlin.math.cos(v); v = kotlin.math.sin(v) }
        withClue("gradient $g, expected $d") { (abs(g - d) <= 1e-6 * abs(d)) shouldBe true }
        io.kotest.assertions.throwables.shouldThrow<IllegalStateException> { loss.backward() }
    }

    // ------------------------------------------------------------------ recursion and control flow

    test("a recursive tree-structured computation matches finite differences") {
        Random.manualSeed(11)
        val leaves = Tensor.randn(DType.FLOAT64, 8).requiresGrad_(true)
        val w = Tensor.randn(DType.FLOAT64, 2).requiresGrad_(true)
        fun tree(x: Tensor, w: Tensor, lo: Int, hi: Int): Tensor {
            if (hi - lo == 1) return x.select(0, lo)
            val mid = (lo + hi) / 2
            return w.select(0, 0).mul(tree(x, w, lo, mid)).add(w.select(0, 1).mul(tree(x, w, mid, hi))).tanh()
        }
        // and a lopsided one: each level combines a leaf with everything to its right
        fun chain(x: Tensor, w: Tensor, at: Int): Tensor =
            if (at == 7) x.select(0, at) else w.select(0, 0).mul(x.select(0, at)).add(w.select(0, 1).mul(chain(x, w, at + 1))).tanh()
        GradCheck.gradcheck({ a -> tree(a[0], a[1], 0, 8) }, leaves, w) shouldBe true
        GradCheck.gradcheck({ a -> chain(a[0], a[1], 0) }, leaves, w) shouldBe true
        GradCheck.gradgradcheck({ a -> tree(a[0], a[1], 0, 8) }, leaves, w) shouldBe true
        // backward agrees with the checked gradient
        tree(leaves, w, 0, 8).backward()
        val expected = Autograd.grad(tree(leaves, w, 0, 8), leaves)[0].toDoubleArray()
        val got = leaves.grad()!!.toDoubleArray()
        got.indices.all { abs(got[it] - expected[it]) <= 1e-12 } shouldBe true
    }

    test("a data-dependent while loop and an if on item() differentiate the path actually taken") {
        var iterations = 0
        fun program(x: Tensor): Tensor {
            var y = x
            var n = 0
            while (y.norm().item() < 10.0) {
                y = y.mul(1.7).add(y.sin())
                n++
            }
            iterations = n
            return if (y.sum().item() > 0) y.tanh().mul(y).sum() else y.sigmoid().mul(y).sum()
        }
        val up = Tensor.of(doubleArrayOf(0.3, -0.2, 0.5)).requiresGrad_(true)
        GradCheck.gradcheck({ a -> program(a[0]) }, up) shouldBe true
        iterations shouldBeGreaterThan 2
        val down = Tensor.of(doubleArrayOf(-0.3, 0.2, -0.5)).requiresGrad_(true)
        GradCheck.gradcheck({ a -> program(a[0]) }, down) shouldBe true
        program(down).backward()
        down.grad()!!.toDoubleArray().all { it.isFinite() } shouldBe true
    }

    // ------------------------------------------------------------------ threads

    test("forward and backward of separate graphs on 8 threads at once all give the right gradients") {
        val pool = Executors.newFixedThreadPool(8)
        try {
            val start = CyclicBarrier(8)
            val jobs = (0 until 8).map { t ->
                pool.submit(Callable {
                    start.await()
                    val errors = mutableListOf<String>()
                    repeat(100) { round ->
                        val v = doubleArrayOf(0.1 * t, -0.2 * round / 100.0, 1.0 + t)
                        val x = Tensor.of(v.clone()).requiresGrad_(true)
                        val w = Tensor.of(doubleArrayOf(2.0, 3.0, 4.0)).requiresGrad_(true)
                        // L = sum(x^3 w) + sum(tanh x)  =>  dL/dx = 3x^2 w + 1 - tanh^2 x, dL/dw = x^3
                        x.pow(3.0).mul(w).sum().add(x.tanh().sum()).backward()
                        val gx = x.grad()!!.toDoubleArray()
                        val gw = w.grad()!!.toDoubleArray()
                        for (i in 0 until 3) {
                            val ex = 3 * v[i] * v[i] * (2.0 + i) + 1 - tanh(v[i]) * tanh(v[i])
                            val ew = v[i] * v[i] * v[i]
                            if (abs(gx[i] - ex) > 1e-12 * maxOf(1.0, abs(ex)) || abs(gw[i] - ew) > 1e-12 * maxOf(1.0, abs(ew))) {
                                errors.add("thread $t round $round element $i: dx ${gx[i]} vs $ex, dw ${gw[i]} vs $ew")
                            }
                        }
                    }
                    errors
                })
            }
            val errors = jobs.flatMap { it.get(120, TimeUnit.SECONDS) }
            errors shouldBe emptyList()
        } finally {
            pool.shutdownNow()
        }
    }

    test("4 threads running backward into one shared leaf at once accumulate exactly the sum") {
        val w = Tensor.of(doubleArrayOf(1.0, 2.0)).requiresGrad_(true)
        val rounds = 250
        val pool = Executors.newFixedThreadPool(4)
        try {
            val start = CyclicBarrier(4)
            val jobs = (0 until 4).map { t ->
                pool.submit(Callable {
                    start.await()
                    val c = (t + 1).toDouble()
                    repeat(rounds) {
                        // d/dw of sum(w^2 c + w c) = 2 w c + c, all integers, so float64 sums are exact
                        w.mul(w).mul(c).add(w.mul(c)).sum().backward()
                    }
                })
            }
            jobs.forEach { it.get(120, TimeUnit.SECONDS) }
        } finally {
            pool.shutdownNow()
        }
        // sum over c = 1..4 of rounds (2 w c + c) = rounds * 10 * (2w + 1)
        w.grad()!!.toDoubleArray() shouldBe doubleArrayOf(rounds * 10.0 * 3, rounds * 10.0 * 5)
    }

    // ------------------------------------------------------------------ random programs

    // 50 programs by default; -Dprograms=N -DprogramSeed=S (passed on to the test JVM by surefire) runs more.
    val programs = (System.getProperty("programs") ?: "50").toInt()
    val firstSeed = (System.getProperty("programSeed") ?: "9000").toLong()

    test("random programs over 1-3 float64 leaves: backward() and Autograd.grad match finite differences") {
        val failures = mutableListOf<String>()
        var checked = 0
        for (k in 0 until programs) {
            val seed = firstSeed + k
            val program = RandomProgram.build(seed)
            try {
                program.check()
                checked++
            } catch (e: Throwable) {
                failures.add("seed $seed (rebuild with RandomProgram.build(${seed}L)):\n${program.description}\n  -> $e")
            }
        }
        withClue(failures.joinToString("\n\n")) { failures.size shouldBe 0 }
        checked shouldBe programs
    }

    test("a random program is a function of its seed, so a failure reproduces from the seed alone") {
        val a = RandomProgram.build(firstSeed + 3)
        val b = RandomProgram.build(firstSeed + 3)
        a.description shouldBe b.description
        a.leaves.map { it.toDoubleArray().toList() } shouldBe b.leaves.map { it.toDoubleArray().toList() }
        val out = a.run(a.leaves).toDoubleArray()
        b.run(b.leaves).toDoubleArray() shouldBe out
        RandomProgram.build(firstSeed + 4).description shouldNotBe a.description
    }
})

/**
 * A random straight-line program over float64 leaves: each step applies one op from the pool to
 * earlier values. The output is the last value, flattened, followed by the sum of every other
 * computed value, so every step counts.
 */
private class RandomProgram(
    val seed: Long,
    val leaves: List<Tensor>,
    private val steps: List<Pair<String, (List<Tensor>) -> Tensor>>,
) {
    val description: String = buildString {
        leaves.forEachIndexed { i, t -> append("  v$i = leaf ${t.shape().toList()}\n") }
        steps.forEachIndexed { i, (text, _) -> append("  v${leaves.size + i} = $text\n") }
    }

    fun run(inputs: List<Tensor>): Tensor {
        val pool = inputs.toMutableList()
        for ((_, f) in steps) pool.add(f(pool))
        val parts = mutableListOf(pool.last().reshape(-1))
        for (i in inputs.size until pool.size - 1) parts.add(pool[i].sum().reshape(1))
        return Tensor.cat(parts, 0)
    }

    /** gradcheck of the whole Jacobian, then backward() of a weighted sum against central differences. */
    fun check() {
        GradCheck.gradcheck({ a -> run(a.toList()) }, *leaves.toTypedArray())
        val out = run(leaves)
        val rnd = kotlin.random.Random(seed * 31 + 7)
        val weights = DoubleArray(out.numel().toInt()) { rnd.nextDouble(-1.0, 1.0) }
        val v = Tensor.of(weights)
        leaves.forEach { it.setGrad(null) }
        out.mul(v).sum().backward()
        val eps = 1e-6
        GradMode.noGrad().use {
            for ((li, leaf) in leaves.withIndex()) {
                val base = leaf.toDoubleArray()
                val got = leaf.grad()?.toDoubleArray() ?: DoubleArray(base.size)
                for (e in base.indices) {
                    fun loss(delta: Double): Double {
                        val moved = base.clone().also { it[e] += delta }
                        val inputs = leaves.toMutableList()
                        inputs[li] = rebuild(moved, leaf.shape())
                        return run(inputs).mul(v).sum().item()
                    }
                    val numerical = (loss(eps) - loss(-eps)) / (2 * eps)
                    withClue("backward(): leaf v$li element $e: analytical ${got[e]}, numerical $numerical") {
                        (abs(got[e] - numerical) <= 1e-5 + 1e-3 * abs(numerical)) shouldBe true
                    }
                }
            }
        }
    }

    companion object {
        private val LEAF_SHAPES = listOf(
            intArrayOf(3), intArrayOf(4), intArrayOf(2, 3), intArrayOf(3, 2), intArrayOf(3, 1), intArrayOf(1, 3),
            intArrayOf(2, 2, 2), intArrayOf(2, 1, 3), intArrayOf(),
        )
        private const val MAX_NUMEL = 36

        fun rebuild(values: DoubleArray, shape: IntArray): Tensor =
            if (shape.isEmpty()) Tensor.scalar(values[0], DType.FLOAT64) else Tensor.of(values, *shape)

        fun build(seed: Long): RandomProgram {
            Random.manualSeed(seed)
            val rnd = kotlin.random.Random(seed)
            val leaves = (0 until 1 + rnd.nextInt(3)).map {
                Tensor.randn(DType.FLOAT64, *LEAF_SHAPES[rnd.nextInt(LEAF_SHAPES.size)]).requiresGrad_(true)
            }
            val b = Builder(rnd, leaves)
            val target = 4 + rnd.nextInt(7)
            var attempts = 0
            while (b.steps.size < target && attempts++ < 500) b.tryOne()
            return RandomProgram(seed, leaves, b.steps)
        }
    }

    /** Picks ops that fit the shapes of the values so far, running each once to learn its result. */
    private class Builder(val rnd: kotlin.random.Random, leaves: List<Tensor>) {
        val pool = leaves.toMutableList<Tensor>()
        val steps = mutableListOf<Pair<String, (List<Tensor>) -> Tensor>>()

        fun pick(): Int = if (rnd.nextDouble() < 0.6) pool.size - 1 else rnd.nextInt(pool.size)

        fun shape(i: Int) = pool[i].shape()

        fun add(text: String, f: (List<Tensor>) -> Tensor) {
            val v = try {
                f(pool)
            } catch (e: Exception) {
                throw AssertionError("building the program, $text failed on valid shapes " +
                    pool.mapIndexed { i, t -> "v$i${t.shape().toList()}" } + ": $e", e)
            }
            if (v.numel() > MAX_NUMEL || v.numel() == 0L) return
            val values = v.toDoubleArray()
            if (values.any { !it.isFinite() || abs(it) > 1e3 }) return
            pool.add(v)
            steps.add(text to f)
        }

        fun dimOf(i: Int): Int {
            val d = rnd.nextInt(pool[i].dim())
            return if (rnd.nextBoolean()) d else d - pool[i].dim()   // negative dims too
        }

        fun size(i: Int, d: Int): Int = pool[i].shape()[if (d < 0) d + pool[i].dim() else d]

        fun randomIndex(bound: Int, vararg shape: Int): Tensor =
            Tensor.of(LongArray(shape.fold(1) { a, s -> a * s }) { rnd.nextLong(bound.toLong()) }, *shape)

        fun randomMask(shape: IntArray): Tensor {
            val n = shape.fold(1) { a, s -> a * s }
            val m = BooleanArray(n) { rnd.nextBoolean() }
            m[rnd.nextInt(n)] = true
            return if (shape.isEmpty()) Tensor.of(m, 1).reshape() else Tensor.of(m, *shape)
        }

        /** Values whose shape broadcasts with value i's. */
        fun partner(i: Int, into: Boolean = false): Int {
            val ok = pool.indices.filter { j ->
                val s = broadcast(shape(i), shape(j))
                s != null && (!into || s.contentEquals(shape(i)))
            }
            return ok[rnd.nextInt(ok.size)]
        }

        fun tryOne() {
            val i = pick()
            val rank = pool[i].dim()
            val c = (rnd.nextInt(1, 20) / 4.0) * (if (rnd.nextBoolean()) 1 else -1)
            when (rnd.nextInt(46)) {
                // unary
                0 -> add("tanh(v$i)") { p -> p[i].tanh() }
                1 -> add("sigmoid(v$i)") { p -> p[i].sigmoid() }
                2 -> add("sin(v$i)") { p -> p[i].sin() }
                3 -> add("cos(v$i)") { p -> p[i].cos() }
                4 -> add("exp(tanh(v$i))") { p -> p[i].tanh().exp() }
                5 -> add("log(v$i^2 + 1)") { p -> p[i].mul(p[i]).add(1.0).log() }
                6 -> add("sqrt(v$i^2 + 1)") { p -> p[i].square().add(1.0).sqrt() }
                7 -> add("v$i.pow(${if (c > 0) 2 else 3})") { p -> p[i].pow(if (c > 0) 2.0 else 3.0) }
                8 -> add("-|v$i|") { p -> p[i].abs().neg() }
                9 -> add("relu(v$i)") { p -> p[i].relu() }
                10 -> add("clamp(v$i, -0.5, 0.5)") { p -> p[i].clamp(-0.5, 0.5) }
                11 -> add("v$i * $c + $c") { p -> p[i].mul(c).add(c) }
                12 -> add("$c - v$i") { p -> p[i].rsub(c) }
                13 -> add("$c / (v$i^2 + 1)") { p -> p[i].mul(p[i]).add(1.0).rdiv(c) }
                14 -> if (rank >= 1) { val d = dimOf(i); add("softmax(v$i, $d)") { p -> p[i].softmax(d) } }
                15 -> if (rank >= 1) { val d = dimOf(i); add("logSoftmax(v$i, $d)") { p -> p[i].logSoftmax(d) } }
                // binary, broadcasting
                16 -> { val j = partner(i); add("v$i + v$j") { p -> p[i].add(p[j]) } }
                17 -> { val j = partner(i); add("v$i - v$j") { p -> p[i].sub(p[j]) } }
                18 -> { val j = partner(i); add("v$i * v$j") { p -> p[i].mul(p[j]) } }
                19 -> { val j = partner(i); add("v$i / (v$j^2 + 1)") { p -> p[i].div(p[j].mul(p[j]).add(1.0)) } }
                20 -> { val j = partner(i); add("maximum(v$i, v$j)") { p -> p[i].maximum(p[j]) } }
                21 -> { val j = partner(i); add("minimum(v$i, v$j)") { p -> p[i].minimum(p[j]) } }
                22 -> {
                    val j = partner(i)
                    val mask = randomMask(broadcast(shape(i), shape(j))!!)
                    add("where(mask${mask.shape().toList()}, v$i, v$j)") { p -> Tensor.where(mask, p[i], p[j]) }
                }
                23 -> { val j = partner(i); add("(v$i^2 + 1).pow(tanh(v$j))") { p -> p[i].mul(p[i]).add(1.0).pow(p[j].tanh()) } }
                24 -> if (rank >= 1) {
                    val j = partner(i); val d = dimOf(i)
                    add("v$j * v$i.mean($d, keepdim)") { p -> p[j].mul(p[i].mean(d, true)) }
                }
                // reductions
                25 -> add(if (c > 0) "v$i.sum()" else "v$i.mean()") { p -> if (c > 0) p[i].sum() else p[i].mean() }
                26 -> if (rank >= 1) { val d = dimOf(i); val kd = c > 0; add("v$i.sum($d, $kd)") { p -> p[i].sum(d, kd) } }
                27 -> if (rank >= 1) { val d = dimOf(i); val kd = c > 0; add("v$i.prod($d, $kd)") { p -> p[i].prod(d, kd) } }
                28 -> if (rank >= 1) {
                    val d = dimOf(i); val kd = c > 0; val unbiased = size(i, d) >= 2 && rnd.nextBoolean()
                    add("v$i.var($d, $unbiased, $kd)") { p -> p[i].`var`(d, unbiased, kd) }
                }
                29 -> if (rank >= 1) { val d = dimOf(i); val kd = c > 0; add("v$i.logsumexp($d, $kd)") { p -> p[i].logsumexp(d, kd) } }
                30 -> add("v$i.norm()") { p -> p[i].norm() }
                31 -> if (rank >= 1) {
                    val d = dimOf(i); val kd = c > 0
                    if (rnd.nextBoolean()) add("v$i.max($d, $kd).values") { p -> p[i].max(d, kd).values() }
                    else add("v$i.min($d, $kd).values") { p -> p[i].min(d, kd).values() }
                }
                32 -> if (c > 0) add("v$i.max()") { p -> p[i].max() } else add("v$i.min()") { p -> p[i].min() }
                // views
                33 -> {
                    val n = pool[i].numel().toInt()
                    val a = (1..n).filter { n % it == 0 }.random(rnd)
                    add("v$i.reshape($a, ${n / a})") { p -> p[i].reshape(a, n / a) }
                }
                34 -> if (rank >= 2) {
                    val perm = (0 until rank).shuffled(rnd).toIntArray()
                    add("v$i.permute(${perm.toList()})") { p -> p[i].permute(*perm) }
                } else if (rank == 1) add("v$i.unsqueeze(0).t()") { p -> p[i].unsqueeze(0).t() }
                35 -> if (rank >= 2) {
                    val d0 = dimOf(i); val d1 = dimOf(i)
                    add("v$i.transpose($d0, $d1)") { p -> p[i].transpose(d0, d1) }
                }
                36 -> {
                    val d = rnd.nextInt(rank + 1)
                    if (pool[i].shape().contains(1) && c > 0) add("v$i.squeeze()") { p -> p[i].squeeze() }
                    else add("v$i.unsqueeze($d)") { p -> p[i].unsqueeze(d) }
                }
                37 -> if (rank >= 1) {
                    val d = dimOf(i); val n = size(i, d)
                    when (rnd.nextInt(3)) {
                        0 -> { val len = rnd.nextInt(1, n + 1); val st = rnd.nextInt(n - len + 1); add("v$i.narrow($d, $st, $len)") { p -> p[i].narrow(d, st, len) } }
                        1 -> { val idx = rnd.nextInt(n); add("v$i.select($d, $idx)") { p -> p[i].select(d, idx) } }
                        else -> { val st = rnd.nextInt(n); add("v$i.slice($d, $st, $n, 2)") { p -> p[i].slice(d, st, n, 2) } }
                    }
                }
                38 -> {
                    val s = pool[i].shape()
                    val ones = s.indices.filter { s[it] == 1 }
                    if (ones.isNotEmpty()) {
                        val target = s.clone().also { it[ones.random(rnd)] = 3 }
                        add("v$i.expand(${target.toList()})") { p -> p[i].expand(*target) }
                    } else {
                        val target = intArrayOf(2) + s
                        add("v$i.expand(${target.toList()})") { p -> p[i].expand(*target) }
                    }
                }
                39 -> if (rank >= 1) {
                    val d = dimOf(i)
                    if (size(i, d) >= 2) { val sz = rnd.nextInt(1, size(i, d) + 1); add("v$i.unfold($d, $sz, 1)") { p -> p[i].unfold(d, sz, 1) } }
                    else add("v$i.flatten()") { p -> p[i].flatten() }
                }
                // matrix products
                40 -> if (rank >= 1) {
                    val k = shape(i).last()
                    val js = pool.indices.filter { j -> matmulFits(shape(i), shape(j)) }
                    if (js.isNotEmpty() && c > 0) { val j = js.random(rnd); add("v$i.matmul(v$j)") { p -> p[i].matmul(p[j]) } }
                    else if (rank >= 2) add("v$i.matmul(v$i.transpose(-1, -2))") { p -> p[i].matmul(p[i].transpose(-1, -2)) }
                    else add("v$i.matmul(v$i)  [dot, k=$k]") { p -> p[i].matmul(p[i]) }
                }
                // joining and splitting
                41 -> if (rank >= 1) {
                    val d = dimOf(i)
                    val js = pool.indices.filter { j -> catFits(shape(i), shape(j), d) && j != i }
                    if (js.isNotEmpty()) { val j = js.random(rnd); add("cat([v$i, v$j], $d)") { p -> Tensor.cat(listOf(p[i], p[j]), d) } }
                    else add("stack([v$i, sin(v$i)], $d)") { p -> Tensor.stack(listOf(p[i], p[i].sin()), d) }
                }
                42 -> if (rank >= 1) {
                    val d = dimOf(i); val n = size(i, d)
                    val sz = rnd.nextInt(1, n + 1); val pieces = (n + sz - 1) / sz; val k = rnd.nextInt(pieces)
                    if (c > 0) add("v$i.split($sz, $d)[$k]") { p -> p[i].split(sz, d)[k] }
                    else {
                        // as torch.chunk: pieces of ceil(n / chunks), so there may be fewer than asked for
                        val ch = rnd.nextInt(1, n + 1); val per = (n + ch - 1) / ch; val kk = rnd.nextInt((n + per - 1) / per)
                        add("v$i.chunk($ch, $d)[$kk]") { p -> p[i].chunk(ch, d)[kk] }
                    }
                }
                // indexing
                43 -> if (rank >= 1) {
                    val d = dimOf(i); val n = size(i, d)
                    when (rnd.nextInt(3)) {
                        0 -> { val idx = randomIndex(n, rnd.nextInt(1, 5)); add("v$i.indexSelect($d, ${idx.toLongArray().toList()})") { p -> p[i].indexSelect(d, idx) } }
                        1 -> {
                            val s = shape(i).clone().also { it[if (d < 0) d + rank else d] = rnd.nextInt(1, 4) }
                            val idx = randomIndex(n, *s)
                            add("v$i.gather($d, ${idx.toLongArray().toList()} shaped ${s.toList()})") { p -> p[i].gather(d, idx) }
                        }
                        else -> { val idx = randomIndex(shape(i)[0], 2, 2); add("v$i.index(${idx.toLongArray().toList()} shaped [2, 2])") { p -> p[i].index(idx) } }
                    }
                }
                44 -> if (rank >= 1) {
                    val mask = randomMask(shape(i))
                    if (c > 0) add("v$i.maskedFill(${mask.toBooleanArray().toList()}, 0.25)") { p -> p[i].maskedFill(mask, 0.25) }
                    else add("v$i.maskedSelect(${mask.toBooleanArray().toList()})") { p -> p[i].maskedSelect(mask) }
                } else add("v$i.pad([1, 2]) of reshape(1)") { p -> p[i].reshape(1).pad(intArrayOf(1, 2), 0.5) }
                45 -> if (rank >= 1) {
                    val d = dimOf(i); val n = size(i, d)
                    when (rnd.nextInt(3)) {
                        0 -> { val idx = randomIndex(n, *shape(i)); add("v$i.scatterAdd($d, idx, cos(v$i))") { p -> p[i].scatterAdd(d, idx, p[i].cos()) } }
                        1 -> { val len = rnd.nextInt(1, n + 1); val idx = randomIndex(n, len)
                            add("v$i.indexAdd($d, ${idx.toLongArray().toList()}, cos(v$i.narrow($d, 0, $len)))") { p -> p[i].indexAdd(d, idx, p[i].narrow(d, 0, len).cos()) } }
                        else -> { val j = partner(i, into = true)
                            add("v$i.clone().mul_(v$j)") { p -> p[i].clone().mul_(p[j]) } }
                    }
                }
            }
        }

        private fun matmulFits(a: IntArray, b: IntArray): Boolean {
            if (a.isEmpty() || b.isEmpty()) return false
            val kb = if (b.size == 1) b[0] else b[b.size - 2]
            if (a.last() != kb) return false
            val batchA = if (a.size >= 2) a.copyOfRange(0, a.size - 2) else intArrayOf()
            val batchB = if (b.size >= 2) b.copyOfRange(0, b.size - 2) else intArrayOf()
            return broadcast(batchA, batchB) != null
        }

        private fun catFits(a: IntArray, b: IntArray, d: Int): Boolean {
            if (a.size != b.size) return false
            val dd = if (d < 0) d + a.size else d
            return a.indices.all { it == dd || a[it] == b[it] }
        }
    }
}

/** NumPy broadcasting of two shapes, or null when they do not broadcast. */
private fun broadcast(a: IntArray, b: IntArray): IntArray? {
    val n = maxOf(a.size, b.size)
    val out = IntArray(n)
    for (k in 0 until n) {
        val x = if (k - (n - a.size) >= 0) a[k - (n - a.size)] else 1
        val y = if (k - (n - b.size) >= 0) b[k - (n - b.size)] else 1
        out[k] = when {
            x == y -> x
            x == 1 -> y
            y == 1 -> x
            else -> return null
        }
    }
    return out
}
