package io.hindsight.tensor;

import java.util.Arrays;

/**
 * A dense float32 tensor in row-major (NCHW for images) layout on the host.
 *
 * <p>Tensors are thin views: {@link #reshape} shares the data array. Shapes are explicit and
 * checked; every mismatch raises an {@link IllegalArgumentException} naming both shapes, so a
 * wrongly wired model fails loudly at its first step instead of training on garbage.
 */
public final class Tensor {
  private final int[] shape;
  private final float[] data;

  private Tensor(float[] data, int[] shape) {
    this.shape = shape;
    this.data = data;
  }

  /** A new zero-filled tensor of the given shape. */
  public static Tensor zeros(int... shape) {
    return new Tensor(new float[checkedSize(shape)], shape.clone());
  }

  /** Wraps {@code data} (not copied) with the given shape. */
  public static Tensor of(float[] data, int... shape) {
    int size = checkedSize(shape);
    if (data.length != size) {
      throw new IllegalArgumentException(
          "data has " + data.length + " elements but shape " + Arrays.toString(shape) + " needs " + size);
    }
    return new Tensor(data, shape.clone());
  }

  /** A tensor with the same shape as {@code like}, zero-filled. */
  public static Tensor zerosLike(Tensor like) {
    return zeros(like.shape);
  }

  private static int checkedSize(int[] shape) {
    long size = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      size *= d;
      if (size > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " is too large");
      }
    }
    return (int) size;
  }

  public int[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public int dim(int axis) {
    return shape[axis < 0 ? shape.length + axis : axis];
  }

  public int size() {
    return data.length;
  }

  /** The backing array; writes are visible through every view of this tensor. */
  public float[] data() {
    return data;
  }

  /** A view with a new shape of the same size; one dimension may be -1 (inferred). */
  public Tensor reshape(int... newShape) {
    int[] s = newShape.clone();
    int infer = -1;
    long known = 1;
    for (int i = 0; i < s.length; i++) {
      if (s[i] == -1) {
        if (infer >= 0) {
          throw new IllegalArgumentException("only one -1 allowed in " + Arrays.toString(newShape));
        }
        infer = i;
      } else {
        known *= s[i];
      }
    }
    if (infer >= 0) {
      if (known == 0 || data.length % known != 0) {
        throw new IllegalArgumentException(
            "cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
      }
      s[infer] = (int) (data.length / known);
    }
    if (checkedSize(s) != data.length) {
      throw new IllegalArgumentException(
          "cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
    }
    return new Tensor(data, s);
  }

  /** A deep copy. */
  public Tensor copy() {
    return new Tensor(data.clone(), shape.clone());
  }

  /** Copies {@code src}'s values into this tensor; shapes must hold the same number of values. */
  public void copyFrom(Tensor src) {
    if (src.data.length != data.length) {
      throw new IllegalArgumentException(
          "cannot copy " + Arrays.toString(src.shape) + " into " + Arrays.toString(shape));
    }
    System.arraycopy(src.data, 0, data, 0, data.length);
  }

  public void fill(float value) {
    Arrays.fill(data, value);
  }

  public boolean sameShape(Tensor other) {
    return Arrays.equals(shape, other.shape);
  }

  /** Throws unless this tensor has exactly the expected shape; {@code what} names it in the message. */
  public Tensor requireShape(String what, int... expected) {
    if (!Arrays.equals(shape, expected)) {
      throw new IllegalArgumentException(
          what + ": expected shape " + Arrays.toString(expected) + " but got " + Arrays.toString(shape));
    }
    return this;
  }

  /** Throws unless this tensor has the given rank. */
  public Tensor requireRank(String what, int rank) {
    if (shape.length != rank) {
      throw new IllegalArgumentException(
          what + ": expected a rank-" + rank + " tensor but got shape " + Arrays.toString(shape));
    }
    return this;
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape);
  }
}
