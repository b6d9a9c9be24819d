package io.hindsight.device;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the same host path on two devices in lockstep and compares them launch by launch: every
 * allocation, copy and launch goes to both ({@code primary}, e.g. the GPU, and {@code reference},
 * e.g. the software device); after each launch, every buffer the kernel may write (its
 * non-{@code const} pointer arguments) is read back from both and compared, bit for bit, or within
 * {@link #ulps} units in the last place for float and double outputs of the kernels listed as
 * tolerance kernels. A difference is recorded as a {@link Divergence} naming the launch, the
 * kernel, the argument and the buffer; the reference is then re-synchronised to the primary's
 * values, so that every later kernel is compared on identical inputs and each divergence is the
 * kernel's own. Host reads return the primary's data.
 *
 * <p>Fresh allocations are filled with the same bytes on both devices (0xFF), so memory a kernel
 * does not write compares equal. A tool for traces (slow: it reads every output back), not for
 * training.
 */
public final class MirrorDevice implements Device {
  /** One kernel output that differed between the devices. */
  public record Divergence(long launch, String kernel, String arg, String label, String detail) {
    @Override
    public String toString() {
      return "launch #" + launch + " " + kernel + ", argument '" + arg + "' ('" + label + "'): " + detail;
    }
  }

  private record Pair(DeviceBuffer primary, DeviceBuffer reference) {}

  private final Device primary;
  private final Device reference;
  private final java.util.Set<String> toleranceKernels;
  private final int ulps;
  private final List<Divergence> divergences = new ArrayList<>();
  private final List<String> tolerated = new ArrayList<>();
  private long launches;
  private long identical;
  private long nextId = 1;

  /**
   * @param toleranceKernels kernels whose float/double outputs may differ by up to {@code ulps}
   *     (their reference is not bit-exact, e.g. CUDA's and Java's {@code exp} differ in the last bit)
   */
  public MirrorDevice(Device primary, Device reference, java.util.Set<String> toleranceKernels, int ulps) {
    this.primary = primary;
    this.reference = reference;
    this.toleranceKernels = java.util.Set.copyOf(toleranceKernels);
    this.ulps = ulps;
  }

  @Override
  public String kind() {
    return primary.kind();
  }

  @Override
  public String name() {
    return primary.name() + " mirrored on " + reference.name();
  }

  @Override
  public int multiprocessors() {
    return primary.multiprocessors();
  }

  @Override
  public int computeCapabilityMajor() {
    return primary.computeCapabilityMajor();
  }

  private static Pair pair(DeviceBuffer b) {
    if (!(b.allocation().handle() instanceof Pair p)) {
      throw new DeviceException("device buffer '" + b.label() + "' belongs to another device");
    }
    return p;
  }

  private static DeviceBuffer side(DeviceBuffer b, boolean primarySide) {
    Pair p = pair(b);
    DeviceBuffer root = primarySide ? p.primary() : p.reference();
    return b.isAllocation() ? root : root.slice(b.alignmentOffset(), b.bytes());
  }

  @Override
  public DeviceBuffer allocate(long bytes, String label) {
    DeviceBuffer a = primary.allocate(bytes, label);
    DeviceBuffer b;
    try {
      b = reference.allocate(bytes, label);
    } catch (RuntimeException e) {
      primary.free(a);
      throw e;
    }
    byte[] fill = new byte[(int) a.bytes()];
    java.util.Arrays.fill(fill, (byte) 0xFF);
    a.upload(fill);
    b.upload(fill);
    return new DeviceBuffer(this, nextId++, label, a.bytes(), new Pair(a, b));
  }

  @Override
  public void free(DeviceBuffer allocation) {
    allocation.requireLive("free");
    Pair p = pair(allocation);
    allocation.markFreed();
    try {
      primary.free(p.primary());
    } finally {
      reference.free(p.reference());
    }
  }

  @Override
  public void copyIn(DeviceBuffer dst, long dstOffset, Buffer src) {
    dst.requireLive("copy");
    primary.copyIn(side(dst, true), dstOffset, src.duplicate());
    reference.copyIn(side(dst, false), dstOffset, src.duplicate());
  }

  @Override
  public void copyOut(DeviceBuffer src, long srcOffset, Buffer dst) {
    src.requireLive("copy");
    primary.copyOut(side(src, true), srcOffset, dst);
  }

  @Override
  public void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes) {
    primary.copy(side(src, true), srcOffset, side(dst, true), dstOffset, bytes);
    reference.copy(side(src, false), srcOffset, side(dst, false), dstOffset, bytes);
  }

  private KernelLaunch on(KernelLaunch l, boolean primarySide) {
    KernelArgs args = new KernelArgs();
    for (KernelArgs.Arg a : l.args().list()) {
      switch (a.type()) {
        case POINTER -> args.ptr(a.name(), a.value() == null ? null : side((DeviceBuffer) a.value(), primarySide));
        case I32 -> args.i32(a.name(), (Integer) a.value());
        case I64 -> args.i64(a.name(), (Long) a.value());
        case F32 -> args.f32(a.name(), (Float) a.value());
      }
    }
    return new KernelLaunch(l.kernel(), l.gridX(), l.gridY(), l.gridZ(), l.blockX(), l.blockY(), l.blockZ(),
        l.sharedBytes(), args);
  }

  @Override
  public void launch(KernelLaunch launch) {
    long index = launches++;
    primary.launch(on(launch, true));
    reference.launch(on(launch, false));
    KernelSignature sig = KernelSignatures.of(launch.kernel());
    boolean allEqual = true;
    for (int i = 0; i < sig.params().size(); i++) {
      KernelSignature.Param p = sig.params().get(i);
      Object v = launch.args().get(i).value();
      if (p.type() != ArgType.POINTER || p.readOnly() || v == null) {
        continue;
      }
      DeviceBuffer b = (DeviceBuffer) v;
      byte[] a = new byte[(int) b.bytes()];
      byte[] r = new byte[(int) b.bytes()];
      primary.copyOut(side(b, true), 0, ByteBuffer.wrap(a));
      reference.copyOut(side(b, false), 0, ByteBuffer.wrap(r));
      String diff = compare(launch.kernel(), p.declaration(), a, r);
      if (diff == null) {
        continue;
      }
      allEqual = false;
      if (diff.startsWith("within ")) {
        tolerated.add("launch #" + index + " " + launch.kernel() + " '" + p.name() + "': " + diff);
      } else {
        divergences.add(new Divergence(index, launch.kernel(), p.name(), b.label(), diff));
      }
      reference.copyIn(side(b, false), 0, ByteBuffer.wrap(a)); // compare later kernels on identical inputs
    }
    if (allEqual) {
      identical++;
    }
  }

  /** null when equal; "within N ulps" when tolerated; else a description of the largest difference. */
  private String compare(String kernel, String declaration, byte[] a, byte[] r) {
    if (java.util.Arrays.equals(a, r)) {
      return null;
    }
    boolean isFloat = declaration.matches(".*\\bfloat\\s*\\*.*");
    boolean isDouble = declaration.matches(".*\\bdouble\\s*\\*.*");
    ByteBuffer ba = ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer br = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
    if (isFloat || isDouble) {
      int size = isFloat ? 4 : 8;
      long worstUlps = 0;
      int worstAt = -1;
      double worstA = 0;
      double worstR = 0;
      for (int i = 0; i + size <= a.length; i += size) {
        long ka = isFloat ? ba.getInt(i) : ba.getLong(i);
        long kr = isFloat ? br.getInt(i) : br.getLong(i);
        if (ka == kr) {
          continue;
        }
        double va = isFloat ? ba.getFloat(i) : ba.getDouble(i);
        double vr = isFloat ? br.getFloat(i) : br.getDouble(i);
        long u = isFloat ? ulpDistance((int) ka, (int) kr) : ulpDistance(ka, kr);
        if (Double.isNaN(va) != Double.isNaN(vr)) {
          u = Long.MAX_VALUE;
        }
        if (u > worstUlps) {
          worstUlps = u;
          worstAt = i / size;
          worstA = va;
          worstR = vr;
        }
      }
      String where = (isFloat ? "float" : "double") + " element " + worstAt + ": " + worstA + " vs reference " + worstR;
      if (toleranceKernels.contains(kernel) && worstUlps <= ulps) {
        return "within " + worstUlps + " ulps (" + where + ")";
      }
      return (worstUlps == Long.MAX_VALUE ? "NaN on one side" : worstUlps + " ulps apart") + " at " + where;
    }
    int first = 0;
    while (a[first] == r[first]) {
      first++;
    }
    return "bytes differ from byte " + first + " (" + a[first] + " vs reference " + r[first] + ")";
  }

  private static long ulpDistance(int a, int b) {
    long ka = a >= 0 ? a : (long) Integer.MIN_VALUE - a;
    long kb = b >= 0 ? b : (long) Integer.MIN_VALUE - b;
    return Math.abs(ka - kb);
  }

  private static long ulpDistance(long a, long b) {
    java.math.BigInteger ka = a >= 0 ? java.math.BigInteger.valueOf(a)
        : java.math.BigInteger.valueOf(Long.MIN_VALUE).subtract(java.math.BigInteger.valueOf(a));
    java.math.BigInteger kb = b >= 0 ? java.math.BigInteger.valueOf(b)
        : java.math.BigInteger.valueOf(Long.MIN_VALUE).subtract(java.math.BigInteger.valueOf(b));
    java.math.BigInteger d = ka.subtract(kb).abs();
    return d.bitLength() > 62 ? Long.MAX_VALUE : d.longValue();
  }

  /** Launches compared so far. */
  public long launches() {
    return launches;
  }

  /** Launches whose every output was bit-identical. */
  public long identicalLaunches() {
    return identical;
  }

  /** Outputs that differed beyond the tolerance, in launch order (the first is the first divergent kernel). */
  public List<Divergence> divergences() {
    return List.copyOf(divergences);
  }

  /** Outputs that differed within the tolerance of their kernel. */
  public List<String> tolerated() {
    return List.copyOf(tolerated);
  }

  @Override
  public void synchronize() {
    primary.synchronize();
    reference.synchronize();
  }

  @Override
  public DeviceCounters counters() {
    return primary.counters();
  }

  @Override
  public void resetPeak() {
    primary.resetPeak();
    reference.resetPeak();
  }

  /** Closes neither device: whoever opened them closes them. */
  @Override
  public void close() {}
}
