package org.traindeeploy.passes;

/** The key of one pass's result in a {@link Compilation}; {@code T} is the record's type. Compared by identity. */
public final class Product<T> {
    private final String name;

    private Product(String name) { this.name = name; }

    public static <T> Product<T> named(String name) { return new Product<>(name); }

    public String name() { return name; }

    @Override public String toString() { return name; }
}
