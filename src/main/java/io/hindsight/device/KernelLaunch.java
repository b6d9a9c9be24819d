package io.hindsight.device;

/**
 * One kernel launch: the kernel's name, grid and block dimensions, dynamic shared memory and its
 * arguments.
 */
public record KernelLaunch(String kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
    int sharedBytes, KernelArgs args) {

  public KernelLaunch {
    if (gridX < 1 || gridY < 1 || gridZ < 1 || gridY > 65535 || gridZ > 65535) {
      throw new IllegalArgumentException(kernel + ": invalid grid " + gridX + "x" + gridY + "x" + gridZ);
    }
    if (blockX < 1 || blockY < 1 || blockZ < 1 || (long) blockX * blockY * blockZ > 1024) {
      throw new IllegalArgumentException(kernel + ": invalid block " + blockX + "x" + blockY + "x" + blockZ);
    }
    if (sharedBytes < 0) {
      throw new IllegalArgumentException(kernel + ": negative shared memory " + sharedBytes);
    }
  }

  /** Threads per block. */
  public int threadsPerBlock() {
    return blockX * blockY * blockZ;
  }

  @Override
  public String toString() {
    return kernel + "<<<" + gridX + "x" + gridY + "x" + gridZ + ", " + blockX + "x" + blockY + "x" + blockZ + ">>>"
        + args;
  }
}
