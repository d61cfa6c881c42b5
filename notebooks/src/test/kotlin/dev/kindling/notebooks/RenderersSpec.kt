package dev.kindling.notebooks

import dev.kindling.dsl.Module
import dev.kindling.dsl.adam
import dev.kindling.dsl.crossEntropy
import dev.kindling.dsl.dataLoader
import dev.kindling.dsl.fit
import dev.kindling.dsl.randint
import dev.kindling.dsl.randn
import dev.kindling.dsl.seed
import dev.kindling.dsl.sequential
import dev.kindling.dsl.tensor
import dev.kindling.dsl.tensorDataset
import dev.kindling.autograd.Tensor
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import java.io.ByteArrayInputStream
import java.util.Base64
import io.kotest.matchers.doubles.shouldBeLessThan
import kotlin.math.abs
import javax.imageio.ImageIO

/** The renderers on their own, against references computed here from the tensors' values. */
class RenderersSpec : FunSpec({
    fun cells(html: String): List<String> = Regex("<td>([^<]*)</td>").findAll(html).map { it.groupValues[1] }.toList()

    test("a small matrix shows every value with PyTorch's 4 decimals and its header") {
        val t = tensor(listOf(listOf(1.5f, -2.25f), listOf(0.125f, 3f)))
        val html = TensorHtml.render(t)
        html shouldContain "Tensor [2, 2] float32 cpu"
        cells(html) shouldBe listOf("1.5000", "-2.2500", "0.1250", "3.0000")
    }

    test("integral floats print as '1.', integers plainly, booleans as True/False") {
        cells(TensorHtml.render(tensor(1f, 2f, 3f))) shouldBe listOf("1.", "2.", "3.")
        cells(TensorHtml.render(tensor(7L, -8L))) shouldBe listOf("7", "-8")
        cells(TensorHtml.render(tensor(true, false))) shouldBe listOf("True", "False")
    }

    test("the header names the grad function or requiresGrad") {
        val w = randn(3, requiresGrad = true)
        TensorHtml.header(w) shouldContain "requiresGrad"
        TensorHtml.header(w.mul(2.0)) shouldContain "gradFn=MulBackward"
    }

    test("a large matrix shows its first and last 3 rows and columns, with the values at those positions") {
        seed(0)
        val t = randn(100, 200)
        val v = t.toDoubleArray()
        val expected = ArrayList<Double?>()
        for (r in listOf(0, 1, 2, -1, 97, 98, 99)) {
            for (c in listOf(0, 1, 2, -1, 197, 198, 199)) expected += if (r < 0 || c < 0) null else v[r * 200 + c]
        }
        val html = TensorHtml.render(t)
        val shown = cells(html)
        shown.size shouldBe expected.size
        for ((text, value) in shown.zip(expected)) {
            if (value == null) {
                text shouldBe "…"
            } else {
                // 4 decimals, or 4 in e-notation: either way within half a unit of the last digit shown.
                abs(text.toDouble() - value) shouldBeLessThan maxOf(5e-5, abs(value) * 5e-4)
            }
        }
        html shouldContain "20000 elements, summarised"
    }

    test("a 3-D tensor shows its leading matrices, each headed by its index") {
        val html = TensorHtml.render(Tensor.arange(24).reshape(2, 3, 4))
        html shouldContain "[0, :, :]"
        html shouldContain "[1, :, :]"
        cells(html) shouldBe (0 until 24).map { it.toString() }
    }

    test("an image-shaped tensor is drawn as a PNG whose grey levels scale from min to max") {
        val t = tensor(List(8) { r -> List(8) { c -> (r * 8 + c).toFloat() } })
        val html = TensorHtml.render(t)
        val data = Regex("base64,([^\"]+)").find(html)!!.groupValues[1]
        val img = ImageIO.read(ByteArrayInputStream(Base64.getDecoder().decode(data)))
        img.width shouldBe 8
        img.height shouldBe 8
        for ((r, c) in listOf(0 to 0, 3 to 5, 7 to 7)) {
            val expected = ((r * 8 + c) / 63.0 * 255).toInt()
            (img.getRGB(c, r) and 0xFF) shouldBe expected
        }
        TensorHtml.render(randn(3, 4)) shouldNotContain "<img"
    }

    test("the module tree lists each layer's own parameters, output sizes once traced, and the total") {
        val model = sequential { linear(784, 128); relu(); linear(128, 10) }
        ModuleHtml.render(model) shouldNotContain "[1, 128]"
        val html = ModuleHtml.render(model.withShapes(randn(1, 784)))
        html shouldContain "Linear(784 =&gt; 128)"
        html shouldContain "[1, 128]"
        html shouldContain "[1, 10]"
        html shouldContain "100,480"
        html shouldContain "1,290"
        html shouldContain "101,770"
    }

    test("withShapes leaves the modules' training mode as it was") {
        val model = sequential { linear(2, 2); dropout(0.5) }
        model.withShapes(randn(1, 2))
        model.modules().all { it.isTraining } shouldBe true
    }

    test("the anomaly renderer finds the cell and line in a kernel stack frame") {
        AnomalyHtml.cellLine("Line_12_jupyter.<init>(Line_12.jupyter.kts:4)") shouldBe AnomalyHtml.CellLine(12, 4)
        AnomalyHtml.cellLine("Train.main(Train.java:42)") shouldBe null
    }

    test("a fit's history plots as an SVG image made by lets-plot") {
        seed(1)
        val model: Module = sequential { linear(4, 3) }
        val data = dataLoader(tensorDataset(randn(32, 4), randint(0, 3, 32)), batchSize = 8)
        val history = model.fit(data, epochs = 3, optimizer = adam(model.parameters(), lr = 1e-2), loss = ::crossEntropy) { progress = false }
        val result = HistoryPlot.render(history)
        result["image/svg+xml"]!! shouldContain "<svg"
        result["text/html"]!! shouldContain "kindling-history"
        result["image/svg+xml"]!! shouldContain "training history (3 epochs)"
    }

    test("BatchLosses keeps each batch's loss and a moving average over its window") {
        val losses = BatchLosses(window = 2)
        seed(2)
        val model: Module = sequential { linear(4, 3) }
        val data = dataLoader(tensorDataset(randn(32, 4), randint(0, 3, 32)), batchSize = 8)
        model.fit(data, epochs = 1, optimizer = adam(model.parameters()), loss = ::crossEntropy) { progress = false; callbacks(losses) }
        val v = losses.values
        v.size shouldBe 4
        losses.movingAverage() shouldBe listOf(v[0], (v[0] + v[1]) / 2, (v[1] + v[2]) / 2, (v[2] + v[3]) / 2)
        losses.render()["image/svg+xml"]!! shouldContain "<svg"
    }
})
