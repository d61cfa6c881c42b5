package dev.kindling.notebooks

import dev.kindling.autograd.Tensor
import dev.kindling.nn.Module
import org.jetbrains.kotlinx.jupyter.api.HTML
import org.jetbrains.kotlinx.jupyter.api.MimeTypedResult

/*
 * Functions for notebook cells; `import dev.kindling.notebooks.*` comes with the integration.
 */

/**
 * Runs [sample] through this model once (no recording, eval mode, modes restored) so that its rendering
 * shows output sizes ([ModuleShapes]); returns the model: `model.withShapes(randn(1, 1, 28, 28))`.
 */
fun <M : Module> M.withShapes(sample: Tensor): M {
    ModuleShapes.trace(this, sample)
    return this
}

/**
 * A grid of images with captions: [images] is `[N, H, W]` or `[N, C, H, W]` (C = 1 or 3), each shown
 * [size] pixels wide, [columns] per row; [captions] (one per image) go underneath, e.g. predictions.
 */
fun imageGrid(images: Tensor, captions: List<String> = emptyList(), columns: Int = 8, size: Int = 64): MimeTypedResult {
    val n = images.shape()[0]
    require(images.dim() == 3 || images.dim() == 4) { "imageGrid: images must be [N, H, W] or [N, C, H, W], got ${images.shape().contentToString()}" }
    require(captions.isEmpty() || captions.size == n) { "imageGrid: ${captions.size} captions for $n images" }
    val s = StringBuilder("<div class=\"kindling-image-grid\" style=\"display:grid;grid-template-columns:repeat($columns, ${size + 8}px);gap:6px\">")
    for (i in 0 until n) {
        val caption = captions.getOrNull(i)
        s.append("<figure style=\"margin:0;text-align:center\">").append(TensorImage.imgTag(images.select(0, i), size, caption))
        if (caption != null) s.append("<figcaption style=\"font-family:monospace;font-size:smaller\">").append(TensorHtml.escape(caption)).append("</figcaption>")
        s.append("</figure>")
    }
    return HTML(s.append("</div>").toString())
}

/** The graph recorded behind [t] as a tree ([GraphHtml]). */
fun graphOf(t: Tensor): MimeTypedResult = HTML(GraphHtml.render(t))
