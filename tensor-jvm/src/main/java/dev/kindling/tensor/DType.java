package dev.kindling.tensor;

/**
 * Element types. Promotion follows PyTorch: categories order bool &lt; integer &lt; floating, and within a
 * category the wider type wins; float16 with bfloat16 gives float32 (neither holds the other).
 * The 16-bit floating types ({@link #isHalf()}) are storage and GPU compute types: on the CPU they are
 * created, printed and converted exactly, and other CPU ops compute through float32 (see
 * {@link HalfFloats}).
 */
public enum DType {
    BOOL(1, Category.BOOL),
    INT32(4, Category.INTEGER),
    INT64(8, Category.INTEGER),
    FLOAT16(2, Category.FLOATING),
    BFLOAT16(2, Category.FLOATING),
    FLOAT32(4, Category.FLOATING),
    FLOAT64(8, Category.FLOATING);

    /** Kinds of element, ordered as PyTorch orders them for promotion. */
    public enum Category { BOOL, INTEGER, FLOATING }

    private final int itemSize;
    private final Category category;

    DType(int itemSize, Category category) {
        this.itemSize = itemSize;
        this.category = category;
    }

    public int itemSize() { return itemSize; }

    public Category category() { return category; }

    public boolean isFloatingPoint() { return category == Category.FLOATING; }

    public boolean isIntegral() { return category != Category.FLOATING; }

    /** float16 or bfloat16. */
    public boolean isHalf() { return this == FLOAT16 || this == BFLOAT16; }

    /** The default type of a category: what a Python number of that kind becomes. */
    public static DType defaultOf(Category c) {
        switch (c) {
            case BOOL: return BOOL;
            case INTEGER: return INT64;
            default: return FLOAT32;
        }
    }

    /** The promoted type of two tensor operands of equal priority (torch.promote_types). */
    public static DType promote(DType a, DType b) {
        if (a == b) return a;
        if (a.category != b.category) return a.category.ordinal() > b.category.ordinal() ? a : b;
        if (a.isHalf() && b.isHalf()) return FLOAT32;
        return a.itemSize >= b.itemSize ? a : b;
    }

    /** PyTorch's lower-case name, as printed in {@code dtype=} suffixes. */
    public String torchName() {
        switch (this) {
            case BOOL: return "torch.bool";
            case INT32: return "torch.int32";
            case INT64: return "torch.int64";
            case FLOAT16: return "torch.float16";
            case BFLOAT16: return "torch.bfloat16";
            case FLOAT32: return "torch.float32";
            case FLOAT64: return "torch.float64";
            default: throw new IllegalStateException(name());
        }
    }

    /** The element type of the Java array that holds this dtype: float16 as short bits, bfloat16 as char bits. */
    public Class<?> javaType() {
        switch (this) {
            case FLOAT32: return float.class;
            case FLOAT64: return double.class;
            case INT64: return long.class;
            case INT32: return int.class;
            case FLOAT16: return short.class;
            case BFLOAT16: return char.class;
            case BOOL: return boolean.class;
            default: throw new IllegalStateException(name());
        }
    }

    /** values() copies the array on every call; kernels wrap raw arrays (and so call ofArray) per image. */
    private static final DType[] ALL = values();

    /** The dtype a Java array holds (the inverse of {@link #javaType()}); {@code op} names the caller in the error. */
    public static DType ofArray(String op, Object array) {
        Class<?> element = array == null ? null : array.getClass().getComponentType();
        for (DType t : ALL) if (t.javaType() == element) return t;
        throw new IllegalArgumentException(op + ": unsupported array type " + (array == null ? "null" : array.getClass().getSimpleName())
                + " (use float[], double[], int[], long[], boolean[], short[] (float16 bits) or char[] (bfloat16 bits))");
    }
}
