package io.hindsight.device.sim;

import io.hindsight.cuda.QuantizeRef;
import io.hindsight.quant.math.FakeQuant;
import io.hindsight.quant.math.QuantParams;
import java.util.Map;

/**
 * References of quantize.cu, bit-exact: each element's code is {@link FakeQuant#level} plus the
 * zero point (the kernels' {@code hs_level}), statistics merge as the kernels' atomics do, and
 * {@code quantize_with_range} derives its parameters as {@link QuantizeRef#paramsFromStats}.
 */
final class QuantizeKernelsRef {
  private QuantizeKernelsRef() {}

  static void register(Map<String, KernelReference> refs) {
    refs.put("hs_stats_init", QuantizeKernelsRef::statsInit);
    refs.put("quantize_static_stats", QuantizeKernelsRef::quantizeStatic);
    refs.put("minmax_reduce", QuantizeKernelsRef::minmaxReduce);
    refs.put("quantize_with_range", QuantizeKernelsRef::quantizeWithRange);
    refs.put("dequantize", QuantizeKernelsRef::dequantize);
  }

  private static void statsInit(SimLaunch l) {
    View stats = l.view("stats");
    int count = l.i32("count");
    for (int i = 0; i < count; i++) {
      StatsStruct.writeIdentity(stats, i);
    }
  }

  /** Quantizes x (n) into q with levels [lo, hi]; merges the statistics into stats when non-null. */
  static void quantize(View x, View q, long n, float scale, int zeroPoint, int lo, int hi, int outBytes,
      boolean stochastic, long key, View stats) {
    float flo = lo;
    float fhi = hi;
    KeyStats seen = new KeyStats();
    long clipped = 0;
    for (long i = 0; i < n; i++) {
      float v = x.getF(i);
      int code;
      if (seen.add(v)) {
        if (FakeQuant.clipped(v / scale, flo, fhi)) {
          clipped++;
        }
        code = (int) FakeQuant.level(v, scale, flo, fhi, stochastic, key, i) + zeroPoint;
      } else {
        code = (int) FakeQuant.nonFiniteLevel(v, flo, fhi) + zeroPoint;
      }
      if (outBytes == 1) {
        q.putB(i, (byte) code);
      } else {
        q.putS(i, (short) code);
      }
    }
    if (stats != null) {
      seen.mergeInto(stats, 0, clipped);
    }
  }

  private static void quantizeStatic(SimLaunch l) {
    quantize(l.view("x"), l.view("q"), l.i64("n"), l.f32("scale"), l.i32("zeroPoint"), l.i32("lo"), l.i32("hi"),
        l.i32("outBytes"), l.flag("stochastic"), l.i64("key"), l.view("stats"));
  }

  private static void minmaxReduce(SimLaunch l) {
    View x = l.view("x");
    long n = l.i64("n");
    KeyStats seen = new KeyStats();
    for (long i = 0; i < n; i++) {
      seen.add(x.getF(i));
    }
    seen.mergeInto(l.view("stats"), 0, 0);
  }

  private static void quantizeWithRange(SimLaunch l) {
    int bits = l.i32("bits");
    QuantParams p = QuantizeRef.paramsFromStats(StatsStruct.read(l.view("range"), 0), bits, l.flag("symmetric"));
    View params = l.view("paramsOut");
    if (params != null) {
      params.putI(0, Float.floatToRawIntBits(p.scale(0)));
      params.putI(1, p.zeroPoint(0));
      params.putI(2, p.lo(0));
      params.putI(3, p.hi(0));
    }
    quantize(l.view("x"), l.view("q"), l.i64("n"), p.scale(0), p.zeroPoint(0), p.lo(0), p.hi(0), bits <= 8 ? 1 : 2,
        l.flag("stochastic"), l.i64("key"), l.view("stats"));
  }

  private static void dequantize(SimLaunch l) {
    View q = l.view("q");
    View y = l.view("y");
    long n = l.i64("n");
    float scale = l.f32("scale");
    int zp = l.i32("zeroPoint");
    boolean bytes = l.i32("inBytes") == 1;
    for (long i = 0; i < n; i++) {
      int v = bytes ? q.getB(i) : q.getS(i);
      y.putF(i, (float) (v - zp) * scale);
    }
  }
}
