package dev.kindling.samples

import dev.kindling.autograd.Tensor
import dev.kindling.data.TextCorpus
import dev.kindling.nn.RecurrentState
import dev.kindling.tensor.Generator
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldMatch
import kotlin.math.ln

/** A tiny configuration: a few steps of a small model, so the smoke test takes seconds. */
private fun tinyCharConfig(epochs: Int, steps: Int) =
    CharLstm.Config(epochs, steps, 4, 32, 16, 48, 1e-2, 1.0, 0.8, 60, "The ", 2048, 0)

class CharLstmSpec : FunSpec({
    // The first 15 KB of Moby Dick, as the data directory's data.txt: present, so nothing is fetched.
    val corpus = TextCorpus.mobyDick(fixtureDir("/moby-dick"))

    test("char-lstm trains on the fixture text: validation loss falls, each epoch prints losses and a sample") {
        var result: CharLstm.Result? = null
        val lines = outputLines { result = CharLstm.run(corpus, tinyCharConfig(4, 12), it) }
        lines[0] shouldContain "TextCorpus(15441 characters, 66 distinct)"
        progressLines(lines).size shouldBe 4
        progressLines(lines)[0] shouldContain "epoch 1/4: 12 steps, 1,536 samples in"
        val epochLines = lines.filter { it.matches(Regex("""epoch \d/4  lr .*""")) }
        epochLines.size shouldBe 4
        epochLines[3] shouldMatch Regex(
            """epoch 4/4  lr \d\.\d{6}  train loss \d\.\d{4} nats/char \(\d\.\d{3} bits\)  val loss \d\.\d{4} nats/char \(\d\.\d{3} bits\)  time \d+\.\d\d s""")
        lines.count { it.startsWith("sample (temperature 0.80): ") } shouldBe 4
        val r = result!!
        // Untrained, the loss is about ln(66) = 4.19 nats; 48 steps of Adam must bring it well down.
        r.firstValLoss shouldBeLessThan ln(66.0)
        r.lastValLoss shouldBeLessThan r.firstValLoss
        lines.last() shouldBe "validation loss per character: first epoch %.4f nats, last %.4f nats, ratio %.3f (%.1f%% lower)"
            .format(java.util.Locale.ROOT, r.firstValLoss, r.lastValLoss, r.ratio(), 100 * (1 - r.ratio()))
        r.lastSample.codePointCount(0, r.lastSample.length) shouldBe 60
        r.lastSample.codePoints().allMatch { corpus.contains(it) } shouldBe true
    }

    test("sampling gives the requested number of vocabulary characters, and a low temperature follows the model's favourite") {
        dev.kindling.Random.manualSeed(1)
        val model = CharModel(corpus.vocabSize(), 8, 16)
        val text = CharLstm.sample(model, corpus, "Call me", 150, 1.0, Generator(3))
        text.length shouldBe 150
        text.all { corpus.contains(it.code) } shouldBe true
        // At a tiny temperature each draw is the argmax: replaying the model step by step gives the same text.
        val greedy = CharLstm.sample(model, corpus, "Call me", 20, 1e-4, Generator(5))
        var state: RecurrentState? = null
        var input = corpus.encode("Call me").reshape(1, -1)
        val expected = StringBuilder()
        repeat(20) {
            val step = model.forward(input, state)
            state = step.state()
            val next = step.logits().select(1, step.logits().size(1) - 1).reshape(-1).argmax().item().toLong()
            expected.append(corpus.decode(Tensor.of(longArrayOf(next), 1)))
            input = Tensor.of(longArrayOf(next), 1, 1)
        }
        greedy shouldBe expected.toString()
    }

    test("the validation loss of an untrained model is near the uniform guess, ln(vocabulary size)") {
        dev.kindling.Random.manualSeed(2)
        val model = CharModel(corpus.vocabSize(), 8, 16)
        val data = TextCorpus.batchify(corpus.split(0.1)[1], 4)
        val loss = CharLstm.evaluate(model, data, 32, corpus.vocabSize())
        (kotlin.math.abs(loss - ln(corpus.vocabSize().toDouble())) < 0.2) shouldBe true
    }
})
