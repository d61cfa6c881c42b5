package dev.kindling.notebooks

import dev.kindling.autograd.Tensor
import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.util.Base64
import javax.imageio.ImageIO

/**
 * Tensors as pictures: a `[H, W]` matrix or a `[C, H, W]` / `[1, C, H, W]` image with C = 1 (grey) or 3
 * (RGB) becomes a PNG, its values scaled linearly from their min (black) to their max (white), as
 * matplotlib's `imshow` does by default. Pixels stay square and sharp when enlarged.
 */
object TensorImage {
    private const val MIN_SIDE = 8
    private const val MAX_PIXELS = 4096 * 4096

    /** Whether [t] is shown as a picture when rendered: image-shaped and each side at least 8 pixels. */
    fun isImageShaped(t: Tensor): Boolean = isImage(t, MIN_SIDE)

    private fun isImage(t: Tensor, minSide: Int): Boolean {
        val s = t.shape()
        val (c, h, w) = when (s.size) {
            2 -> Triple(1, s[0], s[1])
            3 -> Triple(s[0], s[1], s[2])
            4 -> if (s[0] == 1) Triple(s[1], s[2], s[3]) else return false
            else -> return false
        }
        return (c == 1 || c == 3) && h >= minSide && w >= minSide && h.toLong() * w <= MAX_PIXELS
    }

    /** [t] (`[H, W]`, `[C, H, W]` or `[1, C, H, W]`, C = 1 or 3, any size) as PNG bytes, one pixel per element. */
    fun png(t: Tensor): ByteArray {
        require(isImage(t, 1)) { "TensorImage: a tensor of shape ${t.shape().contentToString()} is not an image; expected [H, W], [C, H, W] or [1, C, H, W] with C = 1 or 3" }
        val s = t.shape()
        val h = s[s.size - 2]
        val w = s[s.size - 1]
        val channels = if (s.size == 2) 1 else s[s.size - 3]
        val v = t.detach().toDoubleArray()
        val finite = v.filter { it.isFinite() }
        val lo = finite.minOrNull() ?: 0.0
        val hi = finite.maxOrNull() ?: 0.0
        val range = if (hi > lo) hi - lo else 1.0
        fun level(x: Double): Int = if (x.isFinite()) ((x - lo) / range * 255).toInt().coerceIn(0, 255) else 0
        val img = BufferedImage(w, h, BufferedImage.TYPE_INT_RGB)
        val plane = h * w
        for (y in 0 until h) {
            for (x in 0 until w) {
                val i = y * w + x
                val rgb = if (channels == 1) {
                    level(v[i]).let { (it shl 16) or (it shl 8) or it }
                } else {
                    (level(v[i]) shl 16) or (level(v[plane + i]) shl 8) or level(v[2 * plane + i])
                }
                img.setRGB(x, y, rgb)
            }
        }
        val out = ByteArrayOutputStream()
        ImageIO.write(img, "png", out)
        return out.toByteArray()
    }

    /** An `<img>` showing [t] with its longer side [maxSide] CSS pixels (nearest-neighbour scaling). */
    fun imgTag(t: Tensor, maxSide: Int, title: String? = null): String {
        val s = t.shape()
        val h = s[s.size - 2]
        val w = s[s.size - 1]
        val scale = maxSide.toDouble() / maxOf(h, w)
        val data = Base64.getEncoder().encodeToString(png(t))
        val alt = title ?: "tensor ${s.contentToString()}"
        return "<img class=\"kindling-image\" src=\"data:image/png;base64,$data\" width=\"${(w * scale).toInt()}\" " +
            "height=\"${(h * scale).toInt()}\" style=\"image-rendering:pixelated\" alt=\"${TensorHtml.escape(alt)}\"/>"
    }
}
