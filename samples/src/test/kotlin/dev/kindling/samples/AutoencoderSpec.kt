package dev.kindling.samples

import dev.kindling.autograd.Tensor
import dev.kindling.data.MNIST
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldMatch
import java.nio.file.Files
import javax.imageio.ImageIO

class AutoencoderSpec : FunSpec({
    val mnist = fixtureDir("/mnist")

    test("autoencoder trains on the fixture, printing its reconstruction loss per epoch, and writes the PNG whose path it prints") {
        val png = tempdir().toPath().resolve("out/reconstructions.png")
        var result: Autoencoder.Result? = null
        val lines = outputLines { result = Autoencoder.run(mnist, 4, 16, 3e-3, 8, 12, png, 0, it) }
        progressLines(lines).size shouldBe 4
        lines.filter { it.startsWith("epoch ") && it.contains("binary cross-entropy per pixel") }.size shouldBe 4
        lines.first { it.startsWith("epoch 4/4  ") } shouldMatch Regex(
            """epoch 4/4  train loss \d+\.\d{4}  test loss \d+\.\d{4} \(binary cross-entropy per pixel\)  test MSE \d+\.\d{5}  time \d+\.\d\d s""")
        val losses = trainLosses(lines)
        (losses.last() < losses.first()) shouldBe true
        result!!.image shouldBe png.toAbsolutePath()
        lines.last() shouldBe "wrote 12 test digits (left) beside their reconstructions (right) to ${png.toAbsolutePath()}"

        // 12 pairs, 8 to a row: 2 rows.
        Files.exists(png) shouldBe true
        val img = ImageIO.read(png.toFile())
        img.width shouldBe 8 * 2 * 28 * ImageGrid.SCALE + 9 * ImageGrid.GAP
        img.height shouldBe 2 * 28 * ImageGrid.SCALE + 3 * ImageGrid.GAP
        // The left image of pair 8 (second row, first column) is test digit 8, grey level for grey level.
        val digit = MNIST.test(mnist).image(8)
        val y0 = ImageGrid.GAP + 28 * ImageGrid.SCALE + ImageGrid.GAP
        val brightest = (0 until 28 * 28).maxBy { digit.get(it / 28, it % 28, 0) }
        digit.get(brightest / 28, brightest % 28, 0) shouldBe 255
        for ((row, col) in listOf(brightest / 28 to brightest % 28, 14 to 14, 0 to 0)) {
            val v = digit.get(row, col, 0)
            img.raster.getSample(ImageGrid.GAP + col * ImageGrid.SCALE + 1, y0 + row * ImageGrid.SCALE + 1, 0) shouldBe v
        }
    }

    test("the grid draws each original beside its reconstruction, scaled, on a white background") {
        // two 2x3 "images": originals all 1 (white), reconstructions all 0 (black)
        val a = Tensor.ones(2, 2, 3)
        val b = Tensor.zeros(2, 2, 3)
        val img = ImageGrid.pairs(a, b, 1)
        img.width shouldBe ImageGrid.width(1, 3)
        img.height shouldBe ImageGrid.height(2, 2)
        val s = ImageGrid.SCALE
        val g = ImageGrid.GAP
        fun grey(x: Int, y: Int) = img.raster.getSample(x, y, 0)
        grey(0, 0) shouldBe 255                         // the border
        grey(g, g) shouldBe 255                         // original, first pixel
        grey(g + 3 * s - 1, g + 2 * s - 1) shouldBe 255 // original, last pixel
        grey(g + 3 * s, g) shouldBe 0                   // reconstruction starts right after
        grey(g + 6 * s - 1, g + 2 * s + g + 2 * s - 1) shouldBe 0  // second pair's reconstruction, last pixel
        ImageGrid.grey(0.5f) shouldBe 128
        ImageGrid.grey(-1f) shouldBe 0
        ImageGrid.grey(2f) shouldBe 255
    }
})
