// Mode jnifuzz of FijiDriver: every raw native entry point (through ecm.fiji.NativeFuzzAccess,
// no Java-side checks) with hostile arguments, then every command of plugins.config (except
// About) headless on hostile images. Each call must return normally or throw EcmException:
// any other Throwable is a failure, and a crash ends the JVM before the final line.
import ecm.fiji.AlignStack;
import ecm.fiji.EcmException;
import ecm.fiji.FourPointCorrelation;
import ecm.fiji.G2Inspector;
import ecm.fiji.MapCorrelation;
import ecm.fiji.NativeFuzzAccess;
import ecm.fiji.Progress;
import ecm.fiji.RelaxationMaps;
import ecm.fiji.SimulateStack;
import ecm.fiji.SplitMaps;
import ecm.fiji.TauHistogram;
import ecm.fiji.TemperatureSeries;
import ecm.fiji.TwoTimeCorrelation;
import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.VirtualStack;
import ij.WindowManager;
import ij.gui.Line;
import ij.gui.OvalRoi;
import ij.gui.PointRoi;
import ij.gui.Roi;
import ij.plugin.PlugIn;
import ij.process.FloatProcessor;
import ij.process.ShortProcessor;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

public class Mode_jnifuzz {
  interface Call {
    Object call() throws Throwable;
  }

  /** Per entry point: {cases, returned, EcmException}. */
  static final Map<String, int[]> tally = new TreeMap<String, int[]>();
  static final boolean VERBOSE = Boolean.getBoolean("ecm.fuzz.verbose");

  static void call(String entry, String what, Call c) {
    int[] k = tally.get(entry);
    if (k == null) tally.put(entry, k = new int[3]);
    k[0]++;
    if (VERBOSE) {
      System.out.println("ECM case " + entry + " " + what);
      System.out.flush();
    }
    try {
      c.call();
      k[1]++;
    } catch (EcmException e) {
      k[2]++;
      if (VERBOSE) System.out.println("  -> " + e.getMessage());
      if (e.getMessage() == null || e.getMessage().isEmpty())
        FijiDriver.check(false, entry + " " + what + ": EcmException without a message");
    } catch (Throwable t) {
      FijiDriver.check(false, entry + " " + what + " threw " + t);
      t.printStackTrace(System.out);
    }
  }

  // ---- hostile values ----

  static final int W = 4, H = 3, N = W * H, NT = 8;
  static final double[] BAD_DOUBLES = {Double.NaN, Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY, -1, 0, 1e308, -1e308, Double.MIN_VALUE, 1e-300};
  static final int[] BAD_INTS = {-1, 0, 1, 2, 3, 7, 8, 1000, Integer.MAX_VALUE,
      Integer.MIN_VALUE};
  static final int[] BAD_THREADS = {-1, 0, 1, 3, 4096, 100000, Integer.MAX_VALUE,
      Integer.MIN_VALUE};
  static final String[] BAD_STRINGS = {null, "", "s", "ms", "frames", "bogus", "\u0000",
      "\u00b5s", "\ud83d\ude00", repeat('x', 10000)};
  static final int[][] BAD_SIZES = {{W, H}, {0, H}, {W, 0}, {-1, -1}, {-W, -H}, {H, W},
      {N, 1}, {1, N}, {2, 3}, {65536, 65536}, {Integer.MAX_VALUE, Integer.MAX_VALUE},
      {Integer.MIN_VALUE, -1}, {46341, 46341}};

  static String repeat(char c, int n) {
    char[] a = new char[n];
    Arrays.fill(a, c);
    return new String(a);
  }

  static float[] floats(int n, float v) {
    float[] f = new float[n];
    Arrays.fill(f, v);
    return f;
  }

  static Object[] stack(int nt, int n, long seed) {
    Random r = new Random(seed);
    Object[] s = new Object[nt];
    for (int t = 0; t < nt; t++) {
      float[] f = new float[n];
      for (int i = 0; i < n; i++) f[i] = 10 + r.nextFloat() * 5;
      s[t] = f;
    }
    return s;
  }

  static Object[] filled(int nt, int n, float v) {
    Object[] s = new Object[nt];
    for (int t = 0; t < nt; t++) s[t] = floats(n, v);
    return s;
  }

  /** Named hostile slice sets of nt frames of N pixels (some are valid). */
  static List<Object[]> slicesCases(int nt) {
    List<Object[]> c = new ArrayList<Object[]>();
    c.add(new Object[] {"null", null});
    c.add(new Object[] {"empty", new Object[0]});
    c.add(new Object[] {"all-null", new Object[nt]});
    Object[] oneNull = stack(nt, N, 1);
    oneNull[nt / 2] = null;
    c.add(new Object[] {"one-null", oneNull});
    Object[] ints = new Object[nt], dbl = new Object[nt], str = new Object[nt],
        box = new Object[nt], nested = new Object[nt], obj = new Object[nt];
    for (int t = 0; t < nt; t++) {
      ints[t] = new int[N];
      dbl[t] = new double[N];
      str[t] = repeat('a', N);
      box[t] = Integer.valueOf(N);
      nested[t] = new float[][] {new float[N]};
      obj[t] = new Object();
    }
    c.add(new Object[] {"int[]", ints});
    c.add(new Object[] {"double[]", dbl});
    c.add(new Object[] {"String", str});
    c.add(new Object[] {"Integer", box});
    c.add(new Object[] {"float[][]", nested});
    c.add(new Object[] {"Object", obj});
    String[] strArr = new String[nt];
    Arrays.fill(strArr, "x");
    c.add(new Object[] {"String[]", strArr});
    Object[] lastInt = stack(nt, N, 2);
    lastInt[nt - 1] = new int[N];
    c.add(new Object[] {"last-int[]", lastInt});
    Object[] shortLen = stack(nt, N, 3);
    shortLen[1] = new float[N - 1];
    c.add(new Object[] {"short-slice", shortLen});
    Object[] longLen = stack(nt, N, 4);
    longLen[nt - 1] = new float[N + 1];
    c.add(new Object[] {"long-slice", longLen});
    Object[] emptyElem = stack(nt, N, 5);
    emptyElem[0] = new float[0];
    c.add(new Object[] {"empty-slice", emptyElem});
    Object[] ragged = new Object[nt];
    for (int t = 0; t < nt; t++) ragged[t] = new float[t + 1];
    c.add(new Object[] {"ragged", ragged});
    Object[] mixed = new Object[nt];
    for (int t = 0; t < nt; t++) {
      if (t % 3 == 0) mixed[t] = floats(N, t);
      else if (t % 3 == 1) {
        short[] s = new short[N];
        Arrays.fill(s, (short) (-1 - t));
        mixed[t] = s;
      } else {
        byte[] b = new byte[N];
        Arrays.fill(b, (byte) (200 + t));
        mixed[t] = b;
      }
    }
    c.add(new Object[] {"mixed-types", mixed});
    c.add(new Object[] {"valid", stack(nt, N, 6)});
    c.add(new Object[] {"float[][]-typed", (Object[]) new float[nt][N]});
    c.add(new Object[] {"nan", filled(nt, N, Float.NaN)});
    c.add(new Object[] {"inf", filled(nt, N, Float.POSITIVE_INFINITY)});
    c.add(new Object[] {"-inf", filled(nt, N, Float.NEGATIVE_INFINITY)});
    c.add(new Object[] {"max", filled(nt, N, Float.MAX_VALUE)});
    c.add(new Object[] {"zero", filled(nt, N, 0)});
    c.add(new Object[] {"negative", filled(nt, N, -5)});
    Object[] someNan = stack(nt, N, 7);
    ((float[]) someNan[2])[3] = Float.NaN;
    ((float[]) someNan[5])[0] = Float.POSITIVE_INFINITY;
    c.add(new Object[] {"some-nan", someNan});
    c.add(new Object[] {"1-frame", stack(1, N, 8)});
    c.add(new Object[] {"2-frames", stack(2, N, 9)});
    c.add(new Object[] {"3-frames", stack(3, N, 10)});
    return c;
  }

  static byte[] bytes(int n, int v) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) v);
    return b;
  }

  static List<Object[]> maskCases() {
    List<Object[]> c = new ArrayList<Object[]>();
    c.add(new Object[] {"null", null});
    c.add(new Object[] {"len0", new byte[0]});
    c.add(new Object[] {"short", bytes(N - 1, 1)});
    c.add(new Object[] {"long", bytes(N + 1, 1)});
    c.add(new Object[] {"none-inside", bytes(N, 0)});
    c.add(new Object[] {"all-inside", bytes(N, 1)});
    c.add(new Object[] {"negative-bytes", bytes(N, -1)});
    byte[] one = new byte[N];
    one[N - 1] = 1;
    c.add(new Object[] {"one-pixel", one});
    return c;
  }

  static final Progress CANCEL = new Progress() {
    public boolean update(double f, String s) {
      return true;
    }
  };
  static final Progress THROWS = new Progress() {
    public boolean update(double f, String s) {
      throw new IllegalStateException("progress callback throws");
    }
  };
  static final Progress THROWS_ERROR = new Progress() {
    public boolean update(double f, String s) {
      throw new AssertionError("progress callback throws an Error");
    }
  };
  static final Progress[] PROGRESS = {null, CANCEL, THROWS, THROWS_ERROR};

  static float[] out() {
    return new float[N];
  }

  /** no_decay_dchi2 / unresolved_frac values: in range [0, 1e9] or not (NaN, inf, < 0, > 1e9). */
  static final double[] BAD_THRESHOLDS = {Double.NaN, Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY, -1, -Double.MIN_VALUE, -0.0, 0, Double.MIN_VALUE, 0.1, 6, 1e9,
      Math.nextUp(1e9), 1e10, 1e308, -1e308};

  static boolean thresholdOk(double v) {
    return v >= 0 && v <= 1e9;
  }

  /** The call with each hostile threshold (the other at its default): out of range must fail. */
  interface ThresholdCall {
    Object call(double noDecayDchi2, double unresolvedFrac) throws Throwable;
  }

  static void thresholds(final String entry, final ThresholdCall c) {
    for (final double v : BAD_THRESHOLDS) {
      for (int which = 0; which < 2; which++) {
        final double nd = which == 0 ? v : 6, uf = which == 0 ? 0.1 : v;
        final String what = which == 0 ? "no_decay_dchi2=" + v : "unresolved=" + v;
        call(entry, what, () -> {
          Object r = c.call(nd, uf);
          FijiDriver.check(thresholdOk(v), entry + " " + what + ": out of range but accepted");
          return r;
        });
      }
    }
  }

  // ---- raw natives ----

  static void relax() {
    final String e = "nativeRelaxMap";
    for (final Object[] sc : slicesCases(NT))
      call(e, "slices=" + sc[0], () -> NativeFuzzAccess.relaxMap((Object[]) sc[1], W, H, 0.5,
          "s", 10, 0, true, 1, null, null, out(), out(), out(), out(), out()));
    final Object[] ok = stack(NT, N, 11);
    for (final int[] sz : BAD_SIZES)
      call(e, "size=" + sz[0] + "x" + sz[1], () -> NativeFuzzAccess.relaxMap(ok, sz[0], sz[1],
          0.5, "s", 10, 0, true, 1, null, null, out(), out(), out(), out(), out()));
    for (final double d : BAD_DOUBLES) {
      call(e, "interval=" + d, () -> NativeFuzzAccess.relaxMap(ok, W, H, d, "s", 10, 0, true, 1,
          null, null, out(), out(), out(), out(), out()));
      call(e, "ppd=" + d, () -> NativeFuzzAccess.relaxMap(ok, W, H, 0.5, "s", d, 0, true, 1,
          null, null, out(), out(), out(), out(), out()));
    }
    for (final int v : BAD_INTS)
      call(e, "max_lag=" + v, () -> NativeFuzzAccess.relaxMap(ok, W, H, 0.5, "s", 10, v, true, 1,
          null, null, out(), out(), out(), out(), out()));
    for (final int v : BAD_THREADS)
      call(e, "threads=" + v, () -> NativeFuzzAccess.relaxMap(ok, W, H, 0.5, "s", 10, 0, false,
          v, null, null, out(), out(), out(), out(), out()));
    for (final String u : BAD_STRINGS)
      call(e, "unit=" + abbrev(u), () -> NativeFuzzAccess.relaxMap(ok, W, H, 0.5, u, 10, 0,
          true, 1, null, null, out(), out(), out(), out(), out()));
    for (final Progress p : PROGRESS)
      call(e, "progress=" + p, () -> NativeFuzzAccess.relaxMap(ok, W, H, 0.5, "s", 10, 0, true,
          1, p, null, out(), out(), out(), out(), out()));
    for (final Object[] m : maskCases())
      call(e, "mask=" + m[0], () -> NativeFuzzAccess.relaxMap(ok, W, H, 0.5, "s", 10, 0, true, 1,
          null, (byte[]) m[1], out(), out(), out(), out(), out()));
    call(e, "outputs=null", () -> NativeFuzzAccess.relaxMap(ok, W, H, 0.5, "s", 10, 0, true, 1,
        null, null, null, null, null, null, null));
    call(e, "output-short", () -> NativeFuzzAccess.relaxMap(ok, W, H, 0.5, "s", 10, 0, true, 1,
        null, null, out(), out(), new float[1], out(), out()));
    call(e, "output-last-null", () -> NativeFuzzAccess.relaxMap(ok, W, H, 0.5, "s", 10, 0, true,
        1, null, null, out(), out(), out(), out(), null));
    thresholds(e, (nd, uf) -> NativeFuzzAccess.relaxMap(ok, W, H, 0.5, "s", 10, 0, true, nd, uf,
        1, null, null, out(), out(), out(), out(), out()));
  }

  static String abbrev(String s) {
    if (s == null) return "null";
    return s.length() > 12 ? s.substring(0, 12) + "...(" + s.length() + ")" : "'" + s + "'";
  }

  static void align() {
    final String e = "nativeAlign";
    for (final Object[] sc : slicesCases(NT))
      call(e, "slices=" + sc[0], () -> NativeFuzzAccess.align((Object[]) sc[1], W, H, "mean", 1,
          "whole", null, 1, null));
    final Object[] small = stack(NT, N, 12);
    for (final int[] sz : BAD_SIZES)
      call(e, "size=" + sz[0] + "x" + sz[1], () -> NativeFuzzAccess.align(small, sz[0], sz[1],
          "mean", 1, "whole", null, 1, null));
    // the rest on 8 x 8 frames (align needs a 4 x 4 correlated region)
    final int aw = 8, ah = 8;
    final Object[] ok = stack(NT, aw * ah, 12);
    for (final Object[] sc : new Object[][] {{"nan", filled(NT, aw * ah, Float.NaN)},
             {"inf", filled(NT, aw * ah, Float.POSITIVE_INFINITY)},
             {"zero", filled(NT, aw * ah, 0)}, {"max", filled(NT, aw * ah, Float.MAX_VALUE)},
             {"1-frame", stack(1, aw * ah, 3)}, {"valid", ok}})
      call(e, "8x8 slices=" + sc[0], () -> NativeFuzzAccess.align((Object[]) sc[1], aw, ah,
          "frame", 10, "fourier", null, 1, null));
    for (final String s : BAD_STRINGS) {
      call(e, "reference=" + abbrev(s), () -> NativeFuzzAccess.align(ok, aw, ah, s, 1, "whole",
          null, 1, null));
      call(e, "apply=" + abbrev(s), () -> NativeFuzzAccess.align(ok, aw, ah, "mean", 1, s, null, 1,
          null));
    }
    for (final String s : new String[] {"frame", "running", "mean"})
      for (final String a : new String[] {"bilinear", "fourier", "whole"})
        call(e, s + "/" + a, () -> NativeFuzzAccess.align(ok, aw, ah, s, 4, a, null, 1, null));
    for (final int v : new int[] {-1, 0, 1, 1000, 1001, Integer.MAX_VALUE, Integer.MIN_VALUE})
      call(e, "upsample=" + v, () -> NativeFuzzAccess.align(ok, aw, ah, "mean", v, "whole", null,
          1, null));
    for (final int v : BAD_THREADS)
      call(e, "threads=" + v, () -> NativeFuzzAccess.align(ok, aw, ah, "mean", 1, "whole", null, v,
          null));
    for (final Progress p : PROGRESS)
      call(e, "progress=" + p, () -> NativeFuzzAccess.align(ok, aw, ah, "mean", 1, "whole", null,
          1, p));
    for (final Object[] m : maskCases())
      call(e, "mask=" + m[0], () -> NativeFuzzAccess.align(small, W, H, "mean", 1, "whole",
          (byte[]) m[1], 1, null));
    for (final byte[] m : new byte[][] {bytes(aw * ah, 0), bytes(aw * ah, 1), bytes(aw * ah - 1, 1)})
      call(e, "8x8 mask=" + m.length + "x" + (m.length > 0 ? m[0] : 0), () ->
          NativeFuzzAccess.align(ok, aw, ah, "mean", 1, "whole", m, 1, null));
    // the parameters of `ecm align` that the raw entry point takes since the Fiji command
    // exposes them: ref_frame (0-based), ref_count, block, window, regularization, max_shift,
    // psr_margin
    for (final int v : BAD_INTS)
      for (final String r : new String[] {"frame", "mean"})
        call(e, "ref_frame=" + v + " " + r, () -> NativeFuzzAccess.align(ok, aw, ah, r, v, 10, 16,
            1, "tukey", 10, 0, 3.5, "whole", null, 1, null));
    for (final int v : BAD_INTS) {
      call(e, "ref_count=" + v, () -> NativeFuzzAccess.align(ok, aw, ah, "mean", 0, v, 16, 1,
          "tukey", 10, 0, 3.5, "whole", null, 1, null));
      call(e, "block=" + v, () -> NativeFuzzAccess.align(ok, aw, ah, "running", 0, 10, v, 1,
          "tukey", 10, 0, 3.5, "whole", null, 1, null));
    }
    for (final int v : new int[] {4096, 4097, 1000000000, 1000000001})
      call(e, "block/ref_frame/ref_count=" + v, () -> NativeFuzzAccess.align(ok, aw, ah, "running",
          v, v, v, 1, "tukey", 10, 0, 3.5, "whole", null, 1, null));
    for (final String s : BAD_STRINGS)
      call(e, "window=" + abbrev(s), () -> NativeFuzzAccess.align(ok, aw, ah, "mean", 0, 10, 16, 1,
          s, 10, 0, 3.5, "whole", null, 1, null));
    for (final String s : new String[] {"none", "hann", "tukey", "HANN"})
      call(e, "window=" + s + " valid", () -> NativeFuzzAccess.align(ok, aw, ah, "running", 0, 10,
          2, 4, s, 10, 0, 3.5, "bilinear", null, 1, null));
    for (final double d : new double[] {Double.NaN, Double.POSITIVE_INFINITY,
             Double.NEGATIVE_INFINITY, -1, -1e-300, 0, 1e-300, 1, 3.99, 1e6, 1e6 + 1, 1e308,
             -100, -100.5, 100, 100.5, -10}) {
      call(e, "regularization=" + d, () -> NativeFuzzAccess.align(ok, aw, ah, "mean", 0, 10, 16, 1,
          "tukey", d, 0, 3.5, "whole", null, 1, null));
      call(e, "max_shift=" + d, () -> NativeFuzzAccess.align(ok, aw, ah, "mean", 0, 10, 16, 1,
          "tukey", 10, d, 3.5, "whole", null, 1, null));
      call(e, "psr_margin=" + d, () -> NativeFuzzAccess.align(ok, aw, ah, "mean", 0, 10, 16, 1,
          "tukey", 10, 0, d, "whole", null, 1, null));
    }
    // a valid but unusual combination: the last frame as reference, a 1-px search, no window
    call(e, "frame 8 / max_shift 1 / none", () -> NativeFuzzAccess.align(ok, aw, ah, "frame",
        NT - 1, 1, 1, 1000, "none", 0, 1, -100, "fourier", null, 3, null));
  }

  static void ttcf() {
    final String e = "nativeTtcf";
    for (final Object[] sc : slicesCases(NT))
      call(e, "slices=" + sc[0], () -> NativeFuzzAccess.ttcf((Object[]) sc[1], W, H, 0.5, "s", 1,
          true, null, 1, null));
    final Object[] ok = stack(NT, N, 13);
    for (final int[] sz : BAD_SIZES)
      call(e, "size=" + sz[0] + "x" + sz[1], () -> NativeFuzzAccess.ttcf(ok, sz[0], sz[1], 0.5,
          "s", 1, false, null, 1, null));
    for (final double d : BAD_DOUBLES)
      call(e, "interval=" + d, () -> NativeFuzzAccess.ttcf(ok, W, H, d, "s", 1, true, null, 1,
          null));
    for (final int v : BAD_INTS)
      call(e, "bin_time=" + v, () -> NativeFuzzAccess.ttcf(ok, W, H, 0.5, "s", v, true, null, 1,
          null));
    for (final int v : BAD_THREADS)
      call(e, "threads=" + v, () -> NativeFuzzAccess.ttcf(ok, W, H, 0.5, "s", 1, true, null, v,
          null));
    for (final String u : BAD_STRINGS)
      call(e, "unit=" + abbrev(u), () -> NativeFuzzAccess.ttcf(ok, W, H, 0.5, u, 1, true, null,
          1, null));
    for (final Progress p : PROGRESS)
      call(e, "progress=" + p, () -> NativeFuzzAccess.ttcf(ok, W, H, 0.5, "s", 1, true, null, 1,
          p));
    for (final Object[] m : maskCases())
      call(e, "mask=" + m[0], () -> NativeFuzzAccess.ttcf(ok, W, H, 0.5, "s", 1, true,
          (byte[]) m[1], 1, null));
    // the parameters of `ecm ttcf` that the raw entry point takes since the Fiji command
    // exposes them: block, include_diagonal, points_per_decade, band_window, change_factor
    for (final int v : new int[] {-1, 0, 1, 2, 3, 4, 5, 1000000, 1000001, Integer.MAX_VALUE,
             Integer.MIN_VALUE})
      for (final boolean diag : new boolean[] {false, true})
        call(e, "block=" + v + " diagonal=" + diag, () -> NativeFuzzAccess.ttcf(ok, W, H, 0.5, "s",
            1, v, false, diag, 10, 0, 1.25, null, 1, null));
    for (final double d : new double[] {Double.NaN, Double.POSITIVE_INFINITY,
             Double.NEGATIVE_INFINITY, -1, 0, 0.999, 1, 1.0000001, 1.000001, 3.7, 1000, 1000.5,
             1e6, 1e6 + 1, 1e308, Double.MIN_VALUE}) {
      call(e, "points_per_decade=" + d, () -> NativeFuzzAccess.ttcf(ok, W, H, 0.5, "s", 1, 0,
          false, false, d, 0, 1.25, null, 1, null));
      call(e, "change_factor=" + d, () -> NativeFuzzAccess.ttcf(ok, W, H, 0.5, "s", 1, 0, false,
          false, 10, 0, d, null, 1, null));
    }
    for (final int v : new int[] {-1, 0, 1, 2, NT - 1, NT, NT + 1, 1000000000, 1000000001,
             Integer.MAX_VALUE, Integer.MIN_VALUE})
      call(e, "band_window=" + v, () -> NativeFuzzAccess.ttcf(ok, W, H, 0.5, "s", 1, 0, true, true,
          10, v, 1.25, null, 1, null));
    // everything at once on 2x2 blocks inside a mask, uncalibrated
    final byte[] half = bytes(N, 1);
    for (int i = 0; i < W; i++) half[i] = 0;
    call(e, "block=2 mask diagonal ppd=1 band_window=2 change=1e6", () -> NativeFuzzAccess.ttcf(
        ok, W, H, 0, null, 2, 2, true, true, 1, 2, 1e6, half, 2, null));
  }

  static void simulate() {
    final String e = "nativeSimulate";
    // sizes: only cheap or refused ones (a valid 2^31-frame request would really run)
    int[][] dims = {{0, 3, 4}, {-1, 3, 4}, {5, 0, 4}, {5, 3, -4}, {5, 65536, 65536},
        {5, Integer.MAX_VALUE, Integer.MAX_VALUE}, {5, Integer.MIN_VALUE, -1}, {3, 1, 1},
        {1, 1, 1}, {Integer.MIN_VALUE, 3, 4}};
    for (final int[] d : dims)
      call(e, "dims=" + d[0] + "x" + d[1] + "x" + d[2], () -> NativeFuzzAccess.simulate(d[0], d[1],
          d[2], 0.5, 1, 2, 0, 1, 1, 0.3, 0, 0, 1, 1, null));
    for (int k = 0; k < 9; k++) {
      for (final double v : BAD_DOUBLES) {
        final double[] a = {0.5, 1, 2, 0, 1, 1, 0.3, 0, 0};
        a[k] = v;
        call(e, "param" + k + "=" + v, () -> NativeFuzzAccess.simulate(20, 3, 4, a[0], a[1], a[2],
            a[3], a[4], a[5], a[6], a[7], a[8], 1, 1, null));
      }
    }
    // drift_x, drift_y, jitter, crystal_radius
    for (int k = 0; k < 4; k++) {
      for (final double v : BAD_DOUBLES) {
        final double[] a = {0, 0, 0, 3};
        a[k] = v;
        call(e, "drift" + k + "=" + v, () -> NativeFuzzAccess.simulate(20, 8, 8, 0.5, 1, 2, 0, 1,
            1, 0.3, 0, 0, a[0], a[1], a[2], 1, a[3], 1, 1, null));
      }
    }
    for (final int c : new int[] {-1, Integer.MIN_VALUE, 1000000, Integer.MAX_VALUE})
      call(e, "crystals=" + c, () -> NativeFuzzAccess.simulate(20, 8, 8, 0.5, 1, 2, 0, 1, 1, 0.3,
          0, 0, 0, 0, 0, c, 3, 1, 1, null));
    for (final long s : new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE})
      call(e, "seed=" + s, () -> NativeFuzzAccess.simulate(20, 3, 4, 0.5, 1, 2, 0, 1, 1, 0.3, 0,
          0, s, 1, null));
    for (final int v : BAD_THREADS)
      call(e, "threads=" + v, () -> NativeFuzzAccess.simulate(20, 3, 4, 0.5, 1, 2, 0, 1, 1, 0.3, 0,
          0, 1, v, null));
    for (final Progress p : PROGRESS)
      call(e, "progress=" + p, () -> NativeFuzzAccess.simulate(20, 3, 4, 0.5, 1, 2, 0, 1, 1, 0.3,
          0, 0, 1, 1, p));
  }

  static void g2() {
    final String e = "nativeG2Open";
    for (final Object[] sc : slicesCases(NT))
      call(e, "slices=" + sc[0], () -> {
        long h = NativeFuzzAccess.g2Open((Object[]) sc[1], W, H, 0.5, "s");
        NativeFuzzAccess.g2Close(h);
        return null;
      });
    final Object[] ok = stack(NT, N, 14);
    for (final int[] sz : BAD_SIZES)
      call(e, "size=" + sz[0] + "x" + sz[1], () -> {
        NativeFuzzAccess.g2Close(NativeFuzzAccess.g2Open(ok, sz[0], sz[1], 0.5, "s"));
        return null;
      });
    for (final double d : BAD_DOUBLES)
      call(e, "interval=" + d, () -> {
        NativeFuzzAccess.g2Close(NativeFuzzAccess.g2Open(ok, W, H, d, "s"));
        return null;
      });
    for (final String u : BAD_STRINGS)
      call(e, "unit=" + abbrev(u), () -> {
        NativeFuzzAccess.g2Close(NativeFuzzAccess.g2Open(ok, W, H, 0.5, u));
        return null;
      });
    final int open0 = NativeFuzzAccess.g2OpenCount();
    final long h = NativeFuzzAccess.g2Open(ok, W, H, 0.5, "s");
    final long hnan = NativeFuzzAccess.g2Open(filled(NT, N, Float.NaN), W, H, 0, "");
    final long hzero = NativeFuzzAccess.g2Open(filled(NT, N, 0), W, H, 0, "");
    final long h3 = NativeFuzzAccess.g2Open(stack(3, N, 15), W, H, 0, "");
    for (final long hh : new long[] {0, -1, Long.MAX_VALUE, Long.MIN_VALUE, h + 1000})
      call("nativeG2Pixel", "handle=" + hh, () -> NativeFuzzAccess.g2Pixel(hh, 0, 0, 10, 0, true));
    for (final long hh : new long[] {h, hnan, hzero, h3})
      for (final int[] xy : new int[][] {{0, 0}, {W - 1, H - 1}, {-1, 0}, {0, -1}, {W, 0}, {0, H},
               {Integer.MAX_VALUE, 0}, {0, Integer.MIN_VALUE}})
        call("nativeG2Pixel", "xy=" + xy[0] + "," + xy[1], () -> NativeFuzzAccess.g2Pixel(hh, xy[0],
            xy[1], 10, 0, true));
    for (final double d : BAD_DOUBLES)
      call("nativeG2Pixel", "ppd=" + d, () -> NativeFuzzAccess.g2Pixel(h, 1, 1, d, 0, true));
    for (final long hh : new long[] {h, h3})
      for (final int v : BAD_INTS)
        call("nativeG2Pixel", "max_lag=" + v, () -> NativeFuzzAccess.g2Pixel(hh, 1, 1, 10, v,
            false));
    for (final long hh : new long[] {h, hnan, hzero, h3})
      for (final Object[] m : maskCases())
        call("nativeG2Roi", "mask=" + m[0], () -> NativeFuzzAccess.g2Roi(hh, (byte[]) m[1], 10, 0,
            true, 1, null));
    for (final double d : BAD_DOUBLES)
      call("nativeG2Roi", "ppd=" + d, () -> NativeFuzzAccess.g2Roi(h, bytes(N, 1), d, 0, true, 1,
          null));
    for (final int v : BAD_INTS)
      call("nativeG2Roi", "max_lag=" + v, () -> NativeFuzzAccess.g2Roi(h, bytes(N, 1), 10, v,
          true, 1, null));
    for (final int v : BAD_THREADS)
      call("nativeG2Roi", "threads=" + v, () -> NativeFuzzAccess.g2Roi(h, bytes(N, 1), 10, 0,
          true, v, null));
    for (final Progress p : PROGRESS)
      call("nativeG2Roi", "progress=" + p, () -> NativeFuzzAccess.g2Roi(h, bytes(N, 1), 10, 0,
          true, 1, p));
    for (final long hh : new long[] {h, hnan, hzero}) {
      thresholds("nativeG2Pixel", (nd, uf) -> NativeFuzzAccess.g2Pixel(hh, 1, 1, 10, 0, true, nd,
          uf));
      thresholds("nativeG2Roi", (nd, uf) -> NativeFuzzAccess.g2Roi(hh, bytes(N, 1), 10, 0, true,
          nd, uf, 1, null));
    }
    // a progress callback that closes the very session being computed (and re-enters JNI)
    final long hc = NativeFuzzAccess.g2Open(ok, W, H, 0.5, "s");
    call("nativeG2Roi", "progress-closes-session", () -> NativeFuzzAccess.g2Roi(hc, bytes(N, 1),
        10, 0, true, 1, new Progress() {
          public boolean update(double f, String s) {
            NativeFuzzAccess.g2Close(hc);
            NativeFuzzAccess.g2OpenCount();
            return false;
          }
        }));
    call("nativeG2Pixel", "closed-by-callback", () -> NativeFuzzAccess.g2Pixel(hc, 0, 0, 10, 0,
        true));
    for (long hh : new long[] {h, hnan, hzero, h3, hc}) NativeFuzzAccess.g2Close(hh);
    for (long hh : new long[] {h, 0, -5, Long.MIN_VALUE}) NativeFuzzAccess.g2Close(hh); // twice
    call("nativeG2Pixel", "closed", () -> NativeFuzzAccess.g2Pixel(h, 0, 0, 10, 0, true));
    call("nativeG2Roi", "closed", () -> NativeFuzzAccess.g2Roi(h, bytes(N, 1), 10, 0, true, 1,
        null));
    int open1 = NativeFuzzAccess.g2OpenCount();
    FijiDriver.check(open1 == open0, "g2 sessions: " + open1 + " open after the fuzz (before: "
        + open0 + ")");
    // many open/close from two threads at once (the registry lock)
    final Object[] tiny = stack(3, 4, 16);
    final Throwable[] err = {null};
    Thread[] th = new Thread[2];
    for (int i = 0; i < th.length; i++) {
      th[i] = new Thread(() -> {
        try {
          for (int k = 0; k < 300; k++) {
            long hh = NativeFuzzAccess.g2Open(tiny, 2, 2, 0, "");
            NativeFuzzAccess.g2Pixel(hh, 1, 1, 10, 0, true);
            NativeFuzzAccess.g2Close(hh);
            NativeFuzzAccess.g2Close(hh);
          }
        } catch (Throwable t) {
          err[0] = t;
        }
      });
      th[i].start();
    }
    for (Thread t : th) {
      try {
        t.join();
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
    }
    FijiDriver.check(err[0] == null, "g2 sessions from 2 threads: " + err[0]);
    FijiDriver.check(NativeFuzzAccess.g2OpenCount() == open0, "g2 sessions: none left open");
  }

  static void tauHistogram() {
    List<Object[]> vals = new ArrayList<Object[]>();
    vals.add(new Object[] {"null", null});
    vals.add(new Object[] {"empty", new float[0]});
    vals.add(new Object[] {"one", new float[] {2}});
    vals.add(new Object[] {"nan", floats(N, Float.NaN)});
    vals.add(new Object[] {"inf", floats(N, Float.POSITIVE_INFINITY)});
    vals.add(new Object[] {"negative", floats(N, -3)});
    vals.add(new Object[] {"const", floats(N, 2)});
    vals.add(new Object[] {"max", floats(N, Float.MAX_VALUE)});
    vals.add(new Object[] {"min", floats(N, Float.MIN_VALUE)});
    float[] spread = new float[N];
    for (int i = 0; i < N; i++) spread[i] = (float) Math.pow(10, i - 6);
    vals.add(new Object[] {"spread", spread});
    for (final Object[] v : vals) {
      for (final Object[] m : maskCases()) {
        call("nativeTauStats", "values=" + v[0] + " mask=" + m[0], () ->
            NativeFuzzAccess.tauStats((float[]) v[1], (byte[]) m[1]));
      }
      call("nativeHistogram", "values=" + v[0], () -> NativeFuzzAccess.histogram((float[]) v[1],
          null, 0.1, 10, 10, true));
    }
    final float[] ok = spread;
    double[] edges = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -1, 0,
        1e-300, 1, 1e308};
    for (final double lo : edges)
      for (final double hi : edges)
        for (final boolean lg : new boolean[] {false, true})
          call("nativeHistogram", "lo=" + lo + " hi=" + hi + " log=" + lg, () ->
              NativeFuzzAccess.histogram(ok, null, lo, hi, 7, lg));
    for (final int b : new int[] {-1, 0, 1, 2, 100000, 100001, Integer.MAX_VALUE,
             Integer.MIN_VALUE})
      call("nativeHistogram", "bins=" + b, () -> NativeFuzzAccess.histogram(ok, null, 0.1, 10, b,
          true));
    for (final Object[] m : maskCases())
      call("nativeHistogram", "mask=" + m[0], () -> NativeFuzzAccess.histogram(ok, (byte[]) m[1],
          0.1, 10, 5, false));
    for (final double a : BAD_DOUBLES)
      for (final double b : BAD_DOUBLES)
        call("nativeLognormalPdf", "med=" + a + " sigma=" + b, () ->
            NativeFuzzAccess.lognormalPdf(new double[] {1, 2, Double.NaN, -1, 0,
                Double.POSITIVE_INFINITY, 1e308}, a, b));
    call("nativeLognormalPdf", "tau=null", () -> NativeFuzzAccess.lognormalPdf(null, 1, 1));
    call("nativeLognormalPdf", "tau=empty", () -> NativeFuzzAccess.lognormalPdf(new double[0], 1,
        1));
  }

  static void g4() {
    final String e = "nativeG4";
    final int[] lags = {0, 1, 2, 4};
    for (final Object[] sc : slicesCases(NT))
      call(e, "slices=" + sc[0], () -> NativeFuzzAccess.g4((Object[]) sc[1], W, H, lags, 1, 2,
          null, 0, true, true, true, true, 1, 1, null));
    final Object[] ok = stack(NT, N, 17);
    for (final int[] sz : BAD_SIZES)
      call(e, "size=" + sz[0] + "x" + sz[1], () -> NativeFuzzAccess.g4(ok, sz[0], sz[1], lags, 1,
          2, null, 0, true, true, true, true, 1, 1, null));
    int[] many = new int[5000];
    for (int i = 0; i < many.length; i++) many[i] = i % NT;
    int[][] badLags = {null, {}, {-1}, {0}, {NT - 1}, {NT}, {Integer.MAX_VALUE},
        {Integer.MIN_VALUE}, {3, 3, 3}, {7, 0, 5}, many};
    for (final int[] l : badLags)
      call(e, "lags=" + (l == null ? "null" : l.length > 8 ? l.length + " lags" : Arrays.toString(l)),
          () -> NativeFuzzAccess.g4(ok, W, H, l, 1, 2, null, 0, true, true, true, true, 1, 1,
              null));
    for (final int v : new int[] {-1, 0, 1, 2, Integer.MAX_VALUE})
      call(e, "variant=" + v, () -> NativeFuzzAccess.g4(ok, W, H, lags, v, 2, null, 0, true, true,
          true, false, 1, 1, null));
    for (final int v : new int[] {-1, 0, 1, 3, 5, 256, 257, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
      call(e, "max_r=" + v, () -> NativeFuzzAccess.g4(ok, W, H, lags, 1, v, null, 0, true, true,
          true, true, 1, 1, null));
      call(e, "contour_r=" + v, () -> NativeFuzzAccess.g4(ok, W, H, lags, 1, 3, null, 0, true,
          true, true, true, v, 1, null));
      call(e, "xi_lag=" + v, () -> NativeFuzzAccess.g4(ok, W, H, lags, 0, 3, null, v, true, true,
          true, true, 1, 1, null));
    }
    for (int flags = 0; flags < 16; flags++) {
      final int f = flags;
      call(e, "flags=" + f, () -> NativeFuzzAccess.g4(ok, W, H, lags, 1, 3, null, 0, (f & 1) != 0,
          (f & 2) != 0, (f & 4) != 0, (f & 8) != 0, 0, 1, null));
    }
    for (final int v : BAD_THREADS)
      call(e, "threads=" + v, () -> NativeFuzzAccess.g4(ok, W, H, lags, 1, 2, null, 0, true, true,
          true, true, 1, v, null));
    for (final Progress p : PROGRESS)
      call(e, "progress=" + p, () -> NativeFuzzAccess.g4(ok, W, H, lags, 1, 2, null, 0, true,
          true, true, true, 1, 1, p));
    for (final Object[] m : maskCases())
      call(e, "mask=" + m[0], () -> NativeFuzzAccess.g4(ok, W, H, lags, 1, 2, (byte[]) m[1], 0,
          true, true, true, true, 1, 1, null));
    // domain size of a map
    final int dy = 8, dx = 9;
    Random r = new Random(3);
    float[] map = new float[dy * dx];
    for (int i = 0; i < map.length; i++) map[i] = (float) r.nextGaussian();
    List<Object[]> maps = new ArrayList<Object[]>();
    maps.add(new Object[] {"null", null});
    maps.add(new Object[] {"empty", new float[0]});
    maps.add(new Object[] {"short", new float[dy * dx - 1]});
    maps.add(new Object[] {"ok", map});
    maps.add(new Object[] {"nan", floats(dy * dx, Float.NaN)});
    maps.add(new Object[] {"inf", floats(dy * dx, Float.POSITIVE_INFINITY)});
    maps.add(new Object[] {"const", floats(dy * dx, 1)});
    maps.add(new Object[] {"max", floats(dy * dx, Float.MAX_VALUE)});
    for (final Object[] m : maps)
      call("nativeDomain", "map=" + m[0], () -> NativeFuzzAccess.domain((float[]) m[1], null, dy,
          dx, 0, true));
    for (final int[] sz : new int[][] {{dy, dx}, {dx, dy}, {3, 24}, {24, 3}, {0, 0}, {-8, -9},
             {65536, 65536}, {Integer.MAX_VALUE, 2}, {Integer.MIN_VALUE, -1}})
      call("nativeDomain", "size=" + sz[0] + "x" + sz[1], () -> NativeFuzzAccess.domain(map, null,
          sz[0], sz[1], 0, false));
    for (final int v : new int[] {-1, 0, 1, 2, 3, 4, 5, 100, Integer.MAX_VALUE, Integer.MIN_VALUE})
      call("nativeDomain", "fit_half=" + v, () -> NativeFuzzAccess.domain(map, null, dy, dx, v,
          true));
    for (final byte[] v : new byte[][] {new byte[0], bytes(dy * dx, 0), bytes(dy * dx, 1),
             bytes(dy * dx + 1, 1)})
      call("nativeDomain", "valid=" + v.length + "x" + (v.length > 0 ? v[0] : 0), () ->
          NativeFuzzAccess.domain(map, v, dy, dx, 0, true));
    for (final double d : BAD_DOUBLES)
      for (final String u : BAD_STRINGS)
        call("nativeDtSeconds", d + " " + abbrev(u), () -> NativeFuzzAccess.dtSeconds(d, u));
  }

  static void splitWindows() {
    final int nt = 12;
    for (final Object[] sc : slicesCases(nt)) {
      call("nativeSplit", "slices=" + sc[0], () -> NativeFuzzAccess.split((Object[]) sc[1], W, H,
          0.5, "s", 10, 0, true, 1, null, null));
      call("nativeWindows", "slices=" + sc[0], () -> NativeFuzzAccess.windows((Object[]) sc[1], W,
          H, 0.5, "s", 10, 0, true, 1, null, null, 4, 2));
    }
    final Object[] ok = stack(nt, N, 18);
    for (final int[] sz : BAD_SIZES) {
      call("nativeSplit", "size=" + sz[0] + "x" + sz[1], () -> NativeFuzzAccess.split(ok, sz[0],
          sz[1], 0.5, "s", 10, 0, true, 1, null, null));
      call("nativeWindows", "size=" + sz[0] + "x" + sz[1], () -> NativeFuzzAccess.windows(ok,
          sz[0], sz[1], 0.5, "s", 10, 0, true, 1, null, null, 4, 2));
    }
    for (final double d : BAD_DOUBLES) {
      call("nativeSplit", "interval=" + d, () -> NativeFuzzAccess.split(ok, W, H, d, "s", 10, 0,
          true, 1, null, null));
      call("nativeSplit", "ppd=" + d, () -> NativeFuzzAccess.split(ok, W, H, 0.5, "s", d, 0, true,
          1, null, null));
      call("nativeWindows", "interval=" + d, () -> NativeFuzzAccess.windows(ok, W, H, d, "s", 10,
          0, true, 1, null, null, 4, 2));
      call("nativeWindows", "ppd=" + d, () -> NativeFuzzAccess.windows(ok, W, H, 0.5, "s", d, 0,
          true, 1, null, null, 4, 2));
    }
    for (final int v : BAD_INTS) {
      call("nativeSplit", "max_lag=" + v, () -> NativeFuzzAccess.split(ok, W, H, 0.5, "s", 10, v,
          true, 1, null, null));
      call("nativeWindows", "max_lag=" + v, () -> NativeFuzzAccess.windows(ok, W, H, 0.5, "s", 10,
          v, true, 1, null, null, 4, 2));
      call("nativeWindows", "length=" + v, () -> NativeFuzzAccess.windows(ok, W, H, 0.5, "s", 10,
          0, true, 1, null, null, v, 1));
      call("nativeWindows", "step=" + v, () -> NativeFuzzAccess.windows(ok, W, H, 0.5, "s", 10, 0,
          true, 1, null, null, 3, v));
    }
    for (final int v : BAD_THREADS) {
      call("nativeSplit", "threads=" + v, () -> NativeFuzzAccess.split(ok, W, H, 0.5, "s", 10, 0,
          true, v, null, null));
      call("nativeWindows", "threads=" + v, () -> NativeFuzzAccess.windows(ok, W, H, 0.5, "s", 10,
          0, true, v, null, null, 4, 2));
    }
    for (final String u : BAD_STRINGS) {
      call("nativeSplit", "unit=" + abbrev(u), () -> NativeFuzzAccess.split(ok, W, H, 0.5, u, 10,
          0, true, 1, null, null));
      call("nativeWindows", "unit=" + abbrev(u), () -> NativeFuzzAccess.windows(ok, W, H, 0.5, u,
          10, 0, true, 1, null, null, 4, 2));
    }
    for (final Progress p : PROGRESS) {
      call("nativeSplit", "progress=" + p, () -> NativeFuzzAccess.split(ok, W, H, 0.5, "s", 10, 0,
          true, 1, p, null));
      call("nativeWindows", "progress=" + p, () -> NativeFuzzAccess.windows(ok, W, H, 0.5, "s",
          10, 0, true, 1, p, null, 4, 2));
    }
    for (final Object[] m : maskCases()) {
      call("nativeSplit", "mask=" + m[0], () -> NativeFuzzAccess.split(ok, W, H, 0.5, "s", 10, 0,
          true, 1, null, (byte[]) m[1]));
      call("nativeWindows", "mask=" + m[0], () -> NativeFuzzAccess.windows(ok, W, H, 0.5, "s", 10,
          0, true, 1, null, (byte[]) m[1], 4, 2));
    }
    thresholds("nativeSplit", (nd, uf) -> NativeFuzzAccess.split(ok, W, H, 0.5, "s", 10, 0, true,
        nd, uf, 1, null, null));
    thresholds("nativeWindows", (nd, uf) -> NativeFuzzAccess.windows(ok, W, H, 0.5, "s", 10, 0,
        true, nd, uf, 1, null, null, 4, 2));
  }

  static void stats() {
    Random r = new Random(5);
    final float[] a = new float[N], b = new float[N];
    for (int i = 0; i < N; i++) {
      a[i] = r.nextFloat();
      b[i] = a[i] + 0.3f * r.nextFloat();
    }
    List<Object[]> maps = new ArrayList<Object[]>();
    maps.add(new Object[] {"null", null});
    maps.add(new Object[] {"empty", new float[0]});
    maps.add(new Object[] {"short", new float[N - 1]});
    maps.add(new Object[] {"ok", a});
    maps.add(new Object[] {"nan", floats(N, Float.NaN)});
    maps.add(new Object[] {"inf", floats(N, Float.POSITIVE_INFINITY)});
    maps.add(new Object[] {"const", floats(N, 1)});
    maps.add(new Object[] {"max", floats(N, Float.MAX_VALUE)});
    final String e = "nativeSpearman";
    for (final Object[] m1 : maps)
      for (final Object[] m2 : maps)
        call(e, "a=" + m1[0] + " b=" + m2[0], () -> NativeFuzzAccess.spearman((float[]) m1[1],
            (float[]) m2[1], null, W, H, 1, 20, 1, 0));
    for (final int[] sz : BAD_SIZES)
      call(e, "size=" + sz[0] + "x" + sz[1], () -> NativeFuzzAccess.spearman(a, b, null, sz[0],
          sz[1], 1, 20, 1, 0));
    for (final Object[] m : maskCases())
      call(e, "mask=" + m[0], () -> NativeFuzzAccess.spearman(a, b, (byte[]) m[1], W, H, 1, 20, 1,
          0));
    for (final int v : BAD_INTS) {
      call(e, "block=" + v, () -> NativeFuzzAccess.spearman(a, b, null, W, H, v, 20, 1, 0));
      call(e, "max_lag=" + v, () -> NativeFuzzAccess.spearman(a, b, null, W, H, 1, 20, 1, v));
      if (v < 100000) // a valid huge count would really run
        call(e, "permutations=" + v, () -> NativeFuzzAccess.spearman(a, b, null, W, H, 1, v, 1,
            0));
    }
    for (final long s : new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE})
      call(e, "seed=" + s, () -> NativeFuzzAccess.spearman(a, b, null, W, H, 1, 20, s, 0));
    // Arrhenius and xi-tau
    List<Object[]> cols = new ArrayList<Object[]>();
    cols.add(new Object[] {"null", null});
    cols.add(new Object[] {"empty", new double[0]});
    cols.add(new Object[] {"one", new double[] {300}});
    cols.add(new Object[] {"two", new double[] {300, 310}});
    cols.add(new Object[] {"ok", new double[] {300, 310, 320, 330}});
    cols.add(new Object[] {"nan", new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN}});
    cols.add(new Object[] {"inf", new double[] {Double.POSITIVE_INFINITY, 1, 2, 3}});
    cols.add(new Object[] {"zero", new double[] {0, 0, 0, 0}});
    cols.add(new Object[] {"negative", new double[] {-1, -2, -3, -4}});
    cols.add(new Object[] {"same", new double[] {5, 5, 5, 5}});
    cols.add(new Object[] {"huge", new double[] {1e308, 1e-308, 1e308, 4.9e-324}});
    final double[] T = {300, 310, 320, 330}, tau = {10, 5, 2.5, 1.2}, xi = {3, 3.5, 4, 4.6};
    for (final Object[] c : cols) {
      final double[] v = (double[]) c[1];
      call("nativeArrhenius", "T=" + c[0], () -> NativeFuzzAccess.arrhenius(v, tau, null));
      call("nativeArrhenius", "tau=" + c[0], () -> NativeFuzzAccess.arrhenius(T, v, null));
      call("nativeArrhenius", "err=" + c[0], () -> NativeFuzzAccess.arrhenius(T, tau, v));
      for (int model = -1; model <= 4; model++) {
        final int mo = model;
        call("nativeXiTau", "model=" + mo + " T=" + c[0], () -> NativeFuzzAccess.xiTau(mo, false,
            1, 0.1, 10, true, v, tau, null, xi, null));
        call("nativeXiTau", "model=" + mo + " tau=" + c[0], () -> NativeFuzzAccess.xiTau(mo,
            false, 1, 0.1, 10, false, T, v, null, xi, null));
        call("nativeXiTau", "model=" + mo + " tau_err=" + c[0], () -> NativeFuzzAccess.xiTau(mo,
            false, 1, 0.1, 10, true, T, tau, v, xi, null));
        call("nativeXiTau", "model=" + mo + " xi=" + c[0], () -> NativeFuzzAccess.xiTau(mo, true,
            2, 0.1, 10, false, T, tau, null, v, null));
        call("nativeXiTau", "model=" + mo + " xi_err=" + c[0], () -> NativeFuzzAccess.xiTau(mo,
            false, 1, 0.1, 10, true, T, tau, null, xi, v));
      }
    }
    for (final double d : BAD_DOUBLES)
      for (int model = 0; model <= 3; model++) {
        final int mo = model;
        call("nativeXiTau", "model=" + mo + " n=" + d, () -> NativeFuzzAccess.xiTau(mo, true, d,
            0.1, 10, false, T, tau, null, xi, null));
        call("nativeXiTau", "model=" + mo + " n_min=" + d, () -> NativeFuzzAccess.xiTau(mo, false,
            1, d, 10, false, T, tau, null, xi, null));
        call("nativeXiTau", "model=" + mo + " n_max=" + d, () -> NativeFuzzAccess.xiTau(mo, false,
            1, 0.1, d, true, T, tau, null, xi, null));
      }
    for (final int k : new int[] {-1, 0, 1, 2, 3, 4, 5, 100, Integer.MAX_VALUE,
             Integer.MIN_VALUE})
      call("nativeXiTauModelName", "k=" + k, () -> NativeFuzzAccess.xiTauModelName(k));
    call("nativeVersion", "", () -> NativeFuzzAccess.version());
    call("nativeBuildInfo", "", () -> NativeFuzzAccess.buildInfo());
  }

  // ---- the commands on hostile images ----

  /** Captures System.out (IJ.log when headless) while a command runs. */
  static final class Tee extends OutputStream {
    final OutputStream a;
    final ByteArrayOutputStream b = new ByteArrayOutputStream();

    Tee(OutputStream a) {
      this.a = a;
    }

    public void write(int c) {
      try {
        a.write(c);
      } catch (java.io.IOException e) {
        // ignore
      }
      b.write(c);
    }

    public void write(byte[] buf, int off, int len) {
      try {
        a.write(buf, off, len);
      } catch (java.io.IOException e) {
        // ignore
      }
      b.write(buf, off, len);
    }
  }

  static Object resultOf(PlugIn cmd) {
    try {
      return cmd.getClass().getMethod("getResult").invoke(cmd);
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  /** Runs cmd as a macro on imp; passes when no non-Ecm exception escaped and either a
   * result or an "ECM error (" line appeared. */
  static void command(final String label, final PlugIn cmd, final ImagePlus imp, String options)
      throws InterruptedException {
    PrintStream old = System.out;
    Tee tee = new Tee(old);
    System.setOut(new PrintStream(tee, true));
    int fails0 = FijiDriver.failures;
    try {
      FijiDriver.asMacro(options, () -> {
        WindowManager.setTempCurrentImage(imp);
        cmd.run("");
      });
    } finally {
      System.out.flush();
      System.setOut(old);
    }
    String log = new String(tee.b.toByteArray(), java.nio.charset.StandardCharsets.UTF_8);
    Object r = resultOf(cmd);
    boolean errLine = log.contains("ECM error (");
    boolean cancelled = log.contains(": cancelled");
    int[] k = tally.get("command " + cmd.getClass().getSimpleName());
    if (k == null) tally.put("command " + cmd.getClass().getSimpleName(), k = new int[3]);
    k[0]++;
    if (r != null) k[1]++;
    if (errLine) k[2]++;
    FijiDriver.check(FijiDriver.failures == fails0 && (r != null || errLine || cancelled),
        cmd.getClass().getSimpleName() + " on " + label + ": "
            + (r != null ? "result" : errLine ? "error line" : cancelled ? "cancelled"
                                                                        : "NOTHING"));
  }

  static ImagePlus floatStack(String title, int w, int h, int n, float v, boolean random) {
    ImageStack st = new ImageStack(w, h);
    Random r = new Random(9);
    for (int t = 0; t < n; t++) {
      float[] f = new float[w * h];
      for (int i = 0; i < f.length; i++) f[i] = random ? 100 + 20 * r.nextFloat() : v;
      st.addSlice("", new FloatProcessor(w, h, f, null));
    }
    ImagePlus imp = new ImagePlus(title, st);
    imp.setDimensions(1, 1, n);
    imp.getCalibration().frameInterval = 0.5;
    imp.getCalibration().setTimeUnit("s");
    return imp;
  }

  static List<Object[]> hostileImages(File dir) throws Exception {
    List<Object[]> c = new ArrayList<Object[]>();
    // a virtual stack over a folder of 3 small 16-bit TIFFs
    File vd = new File(dir, "virtual");
    vd.mkdirs();
    Random r = new Random(4);
    for (int i = 0; i < 3; i++) {
      ShortProcessor sp = new ShortProcessor(7, 5);
      for (int p = 0; p < 35; p++) sp.set(p, 100 + r.nextInt(50));
      IJ.saveAsTiff(new ImagePlus("v" + i, sp), new File(vd, "v" + i + ".tif").getPath());
    }
    VirtualStack vs = new VirtualStack(7, 5, null, vd.getPath() + File.separator);
    for (int i = 0; i < 3; i++) vs.addSlice("v" + i + ".tif");
    ImagePlus virt = new ImagePlus("virtual", vs);
    c.add(new Object[] {"virtual stack (3 TIFFs)", virt});
    // the same with one file gone after opening (getPixels cannot read it)
    File gd = new File(dir, "virtual_gone");
    gd.mkdirs();
    for (int i = 0; i < 4; i++)
      IJ.saveAsTiff(new ImagePlus("g" + i, new ShortProcessor(7, 5)), new File(gd, "g" + i
          + ".tif").getPath());
    VirtualStack vg = new VirtualStack(7, 5, null, gd.getPath() + File.separator);
    for (int i = 0; i < 4; i++) vg.addSlice("g" + i + ".tif");
    ImagePlus gone = new ImagePlus("virtual_gone", vg);
    new File(gd, "g2.tif").delete();
    c.add(new Object[] {"virtual stack with a deleted file", gone});
    c.add(new Object[] {"1x1x5", floatStack("one_px", 1, 1, 5, 0, true)});
    c.add(new Object[] {"all-NaN 6x5x10", floatStack("nan", 6, 5, 10, Float.NaN, false)});
    c.add(new Object[] {"all-Inf 6x5x10", floatStack("inf", 6, 5, 10, Float.POSITIVE_INFINITY,
        false)});
    c.add(new Object[] {"all-zero 6x5x10", floatStack("zero", 6, 5, 10, 0, false)});
    // 2-channel hyperstack: c=2, z=1, t=10
    ImageStack hs = new ImageStack(6, 5);
    for (int t = 0; t < 10; t++)
      for (int ch = 0; ch < 2; ch++) {
        float[] f = new float[30];
        for (int i = 0; i < 30; i++) f[i] = 50 + ch * 10 + 20 * r.nextFloat();
        hs.addSlice("", new FloatProcessor(6, 5, f, null));
      }
    ImagePlus hyper = new ImagePlus("hyper", hs);
    hyper.setDimensions(2, 1, 10);
    hyper.setOpenAsHyperStack(true);
    hyper.setC(2);
    c.add(new Object[] {"2-channel hyperstack", hyper});
    ImagePlus hyper2 = hyper.duplicate();
    hyper2.setTitle("composite");
    hyper2.setDimensions(2, 1, 10);
    CompositeImage comp = new CompositeImage(hyper2, IJ.COMPOSITE);
    c.add(new Object[] {"composite image", comp});
    // Z-stack of 1 frame (no slices_as_time given to it below), single image, RGB
    ImagePlus single = new ImagePlus("single", new FloatProcessor(6, 5));
    c.add(new Object[] {"single image", single});
    c.add(new Object[] {"RGB", IJ.createImage("rgb", "RGB black", 6, 5, 10)});
    // ROIs: partly outside, fully outside, line, point
    ImagePlus partly = floatStack("roi_partly", 6, 5, 10, 0, true);
    partly.setRoi(new OvalRoi(3, 2, 8, 8));
    c.add(new Object[] {"ROI partly outside", partly});
    ImagePlus outside = floatStack("roi_outside", 6, 5, 10, 0, true);
    outside.setRoi(new Roi(20, 20, 4, 4));
    c.add(new Object[] {"ROI outside", outside});
    ImagePlus line = floatStack("roi_line", 6, 5, 10, 0, true);
    line.setRoi(new Line(0, 0, 5, 4));
    c.add(new Object[] {"line ROI", line});
    ImagePlus point = floatStack("roi_point", 6, 5, 10, 0, true);
    point.setRoi(new PointRoi(2, 2));
    c.add(new Object[] {"point ROI", point});
    // every image also as a "tau map" (value unit s) for the Tau Histogram and Map Correlation
    for (Object[] im : c) ((ImagePlus) im[1]).getCalibration().setValueUnit("s");
    return c;
  }

  static void commands() throws Exception {
    File dir = new File("jnifuzz_work").getAbsoluteFile();
    dir.mkdirs();
    List<Object[]> images = hostileImages(dir);
    for (Object[] im : images) {
      ImagePlus imp = (ImagePlus) im[0 + 1];
      String label = (String) im[0];
      String t = imp.getTitle();
      command(label, new RelaxationMaps(), imp, "slices_as_time points_per_decade=5 threads=1");
      command(label, new G2Inspector(), imp, "slices_as_time x=0 y=0");
      command(label, new G2Inspector(), imp, "slices_as_time x=-1 y=-1");
      command(label, new TauHistogram(), imp, "bins=0 log_axis");
      command(label, new SplitMaps(), imp, "slices_as_time mode=halves threads=1");
      command(label, new SplitMaps(), imp, "slices_as_time mode=sliding window=3 step=1");
      command(label, new MapCorrelation(), imp, "map1=[" + t + "] map2=[" + t + "] block=1"
          + " permutations=10");
      command(label, new FourPointCorrelation(), imp, "slices_as_time lags=auto max_radius=3"
          + " threads=1");
      command(label, new TwoTimeCorrelation(), imp, "slices_as_time bin_time=1 threads=1");
      command(label, new AlignStack(), imp, "slices_as_time");
    }
    // absurd values a user can type, on a valid stack
    ImagePlus ok = floatStack("ok", 6, 5, 12, 0, true);
    ok.getCalibration().setValueUnit("s");
    String[] absurd = {"threads=100000", "threads=-1", "threads=NaN", "points_per_decade=NaN",
        "points_per_decade=1e308", "max_lag=1e12", "max_lag=2147483647", "frame_interval=-1",
        "frame_interval=Infinity", "bin_time=2147483647", "x=2147483647 y=0", "bins=-5",
        "bins=1e9", "window=2147483647", "step=0", "mode=bogus", "lags=[1,x,-3]",
        "lags=[99999]", "max_radius=1e9", "variant=bogus", "tau_map=[/no/such/file.tif]",
        "methods=bogus", "block=0", "permutations=-1", "map1=[no such] map2=[image]",
        "lag_unit=bogus", "xi_lag=-4", "block=1", "block=-2", "block=1e7", "block=NaN",
        "include_diagonal", "points_per_decade=0.5", "band_window=-1", "band_window=1e12",
        "change_factor=1", "change_factor=NaN", "change_factor=1e9", "ref_frame=0",
        "reference=frame ref_frame=99", "reference=mean ref_count=0", "block=5000",
        "window=bogus", "window=none", "regularization=-1", "regularization=NaN",
        "max_shift=-1", "max_shift=Infinity", "max_shift=0.5", "psr_margin=NaN",
        "psr_margin=101", "psr_margin=-100"};
    for (String o : absurd) {
      String opt = "slices_as_time " + o;
      command(o, new RelaxationMaps(), ok, opt);
      command(o, new G2Inspector(), ok, opt);
      command(o, new TauHistogram(), ok, opt);
      command(o, new SplitMaps(), ok, opt);
      command(o, new MapCorrelation(), ok, opt);
      command(o, new FourPointCorrelation(), ok, opt);
      command(o, new TwoTimeCorrelation(), ok, opt);
      command(o, new AlignStack(), ok, opt);
    }
    // commands that do not need an image: the simulator and the temperature series
    String[] sim = {"frames=-1", "frames=0 width=4 height=4", "width=NaN", "height=1e12",
        "frames=5 width=65536 height=65536", "frame_interval=NaN", "tau=-1", "tau=Infinity",
        "beta_min=2 beta_max=1", "contrast=NaN", "dose=-3", "threads=100000", "seed=NaN"};
    for (String o : sim) command(o, new SimulateStack(), null, "frames=20 width=4 height=3 " + o);
    String[] ts = {"", "csv=[/no/such/file.csv]", "table=[no such table]", "model=bogus",
        "tau=bogus temperature=bogus", "rfot_n=NaN", "rfot_n=-1"};
    File csv = new File(dir, "bad.csv");
    java.nio.file.Files.write(csv.toPath(), "T,tau\nx,NaN\n300\n,,,,\n1e999,-1\n".getBytes(
        java.nio.charset.StandardCharsets.UTF_8));
    File empty = new File(dir, "empty.csv");
    java.nio.file.Files.write(empty.toPath(), new byte[0]);
    for (String o : ts) command("TemperatureSeries " + o, new TemperatureSeries(), null, o.isEmpty()
        ? "csv=[" + empty.getPath() + "]" : o);
    command("bad csv", new TemperatureSeries(), null, "csv=[" + csv.getPath()
        + "] temperature=T tau=tau");
    // no image at all
    command("no image", new RelaxationMaps(), null, "points_per_decade=5");
    // two maps of different sizes; a tau map that is RGB or missing for the g4 domain size
    ImagePlus other = floatStack("other_size", 9, 7, 1, 2, true);
    other.getCalibration().setValueUnit("s");
    WindowManager.setTempCurrentImage(other);
    command("maps of different sizes", new MapCorrelation(), ok, "map1=[ok] map2=[other_size]");
    command("tau_map of another size", new FourPointCorrelation(), ok,
        "slices_as_time tau_map=[" + new File(dir, "virtual/v0.tif").getPath() + "]");
    FijiDriver.check(NativeFuzzAccess.g2OpenCount() == 0, "no g2 session left open by the"
        + " commands (" + NativeFuzzAccess.g2OpenCount() + ")");
  }

  public static void run() throws Exception {
    long t0 = System.nanoTime();
    relax();
    align();
    ttcf();
    simulate();
    g2();
    tauHistogram();
    g4();
    splitWindows();
    stats();
    double tRaw = (System.nanoTime() - t0) * 1e-9;
    commands();
    int total = 0;
    for (Map.Entry<String, int[]> en : tally.entrySet()) {
      int[] k = en.getValue();
      total += k[0];
      System.out.println("ECM fuzz " + en.getKey() + ": " + k[0] + " cases, " + k[1]
          + (en.getKey().startsWith("command") ? " results, " + k[2] + " error lines"
                                                : " returned, " + k[2] + " EcmException"));
    }
    FijiDriver.check(total > 1000, "jnifuzz: " + total + " cases; raw natives "
        + String.format(java.util.Locale.ROOT, "%.1f", tRaw) + " s, all "
        + String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - t0) * 1e-9) + " s");
    System.out.println("ECM jnifuzz: the JVM survived every case");
  }
}
