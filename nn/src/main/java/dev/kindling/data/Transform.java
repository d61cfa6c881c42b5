package dev.kindling.data;

/**
 * One preprocessing step applied to each sample as a dataset hands it out (torchvision's transforms):
 * {@link ToTensor}, {@link Normalize}, {@link RandomCrop}, {@link RandomHorizontalFlip}, chained with
 * {@link Compose}; any lambda {@code I -> O} is one too.
 * <pre>{@code
 * Transform<Tensor, Tensor> invert = x -> x.neg().add(1.0);
 * }</pre>
 */
@FunctionalInterface
public interface Transform<I, O> extends java.util.function.Function<I, O> {
}
