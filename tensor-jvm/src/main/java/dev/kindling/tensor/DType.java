package dev.kindling.tensor;

/**
 * Element types. Promotion follows PyTorch: categories order bool &lt; integer &lt; floating, and within a
 * category the wider type wins.
 */
public enum DType {
    BOOL(1, Category.BOOL),
    INT32(4, Category.INTEGER),
    INT64(8, Category.INTEGER),
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
        return a.itemSize >= b.itemSize ? a : b;
    }

    /** PyTorch's lower-case name, as printed in {@code dtype=} suffixes. */
    public String torchName() {
        switch (this) {
            case BOOL: return "torch.bool";
            case INT32: return "torch.int32";
            case INT64: return "torch.int64";
            case FLOAT32: return "torch.float32";
            default: return "torch.float64";
        }
    }
}
