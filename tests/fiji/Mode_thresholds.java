// The relax thresholds no_decay_dchi2 (ecm map --no-decay-dchi2) and unresolved
// (--unresolved) as macro keys of Relaxation Maps, Split / Sliding-Window Maps and the g2
// Inspector (G2Params). Checks: (a) a macro line without the keys gives maps bit-identical to
// the explicit defaults (6, 0.1) in all three commands; (b) unresolved=0 gives n_unresolved = 0
// and more converged pixels on a noisy stack where the default flags some; (c)
// no_decay_dchi2=0 turns the flatness test off (fewer no-decay pixels on a stack with static
// crystals); (d) negative, NaN, infinite and > 1e9 values are refused by every command and by
// the typed natives (EcmException), 1e9 and 0 accepted.
import ecm.fiji.EcmException;
import ecm.fiji.EcmNative;
import ecm.fiji.G2Inspector;
import ecm.fiji.NativeG2;
import ecm.fiji.NativeStats;
import ecm.fiji.RelaxationMaps;
import ecm.fiji.SimulateStack;
import ecm.fiji.SplitMaps;
import ij.ImagePlus;
import ij.WindowManager;
import ij.measure.ResultsTable;
import java.util.Arrays;

public class Mode_thresholds {
  static void check(boolean ok, String what) {
    FijiDriver.check(ok, what);
  }

  static String f(double v) {
    return FijiDriver.f(v);
  }

  static SplitMaps.Result split(final ImagePlus imp, String options) throws InterruptedException {
    final SplitMaps cmd = new SplitMaps();
    FijiDriver.asMacro(options, new Runnable() {
      public void run() {
        WindowManager.setTempCurrentImage(imp);
        cmd.run("");
      }
    });
    return cmd.getResult();
  }

  static G2Inspector.Result inspect(final ImagePlus imp, String options)
      throws InterruptedException {
    final G2Inspector cmd = new G2Inspector();
    FijiDriver.asMacro(options, new Runnable() {
      public void run() {
        WindowManager.setTempCurrentImage(imp);
        cmd.run("");
      }
    });
    return cmd.getResult();
  }

  static float[] px(ImagePlus imp) {
    return (float[]) imp.getProcessor().getPixels();
  }

  static boolean same(RelaxationMaps.Result a, RelaxationMaps.Result b) {
    return Arrays.equals(px(a.tau), px(b.tau)) && Arrays.equals(px(a.beta), px(b.beta))
        && Arrays.equals(px(a.amp), px(b.amp)) && Arrays.equals(px(a.chi2), px(b.chi2))
        && Arrays.equals(px(a.status), px(b.status)) && Arrays.equals(a.summary, b.summary);
  }

  static int count(ImagePlus status, int code) {
    int n = 0;
    for (float v : px(status)) n += v == code ? 1 : 0;
    return n;
  }

  static Object[] slices(ImagePlus imp) {
    Object[] s = new Object[imp.getNFrames()];
    for (int t = 0; t < s.length; t++) s[t] = imp.getStack().getPixels(imp.getStackIndex(1, 1, t + 1));
    return s;
  }

  static void expectEcm(String what, Runnable r) {
    try {
      r.run();
      check(false, what + ": no exception");
    } catch (EcmException e) {
      check(e.getMessage() != null && !e.getMessage().isEmpty(),
          what + " -> EcmException " + e.getCode() + ": " + e.getMessage());
    } catch (Throwable e) {
      check(false, what + " -> " + e);
    }
  }

  static final String BASE = "frame_interval=0 points_per_decade=10 max_lag=0 bias_correction"
      + " threads=2";
  static final String DEFAULTS = " no_decay_dchi2=6 unresolved=0.1";

  public static void run() throws InterruptedException {
    ResultsTable rt = ResultsTable.getResultsTable();
    // ---- (b) a noisy stack with a short tau: the default flags unresolved pixels ----
    SimulateStack.Result noisy = FijiDriver.simulate("frames=300 width=16 height=12 interval=0.5"
        + " pixel_size=2 tau_median=0.4 sigma=1 beta_min=1 beta_max=1 contrast=0.2 dose=0"
        + " map_correlation=0 seed=31");
    check(noisy != null, "noisy stack simulated");
    if (noisy == null) return;
    ImagePlus imp = noisy.stack;
    imp.setTitle("noisy");
    // ---- (a) missing keys = explicit defaults, bit for bit ----
    rt.reset();
    RelaxationMaps.Result r0 = FijiDriver.maps(imp, BASE);
    RelaxationMaps.Result r1 = FijiDriver.maps(imp, BASE + DEFAULTS);
    check(r0 != null && r1 != null, "maps with and without the threshold keys");
    if (r0 == null || r1 == null) return;
    check(same(r0, r1), "maps: no keys == no_decay_dchi2=6 unresolved=0.1, bit for bit");
    check(rt.size() == 2 && rt.getValue("n_unresolved", 0) == rt.getValue("n_unresolved", 1),
        "maps: same Results row");
    double unres0 = rt.getValue("n_unresolved", 0), conv0 = rt.getValue("n_converged", 0);
    System.out.println("ECM info default: n_converged=" + conv0 + " n_unresolved=" + unres0
        + " n_no_decay=" + rt.getValue("n_no_decay", 0));
    check(unres0 > 0, "default unresolved=0.1 flags some pixels of the noisy stack ("
        + unres0 + ")");
    check(count(r0.status, 9) == unres0, "status map agrees with n_unresolved");
    RelaxationMaps.Result ru = FijiDriver.maps(imp, BASE + " unresolved=0");
    check(ru != null, "maps unresolved=0");
    if (ru == null) return;
    int row = rt.size() - 1;
    double unresU = rt.getValue("n_unresolved", row), convU = rt.getValue("n_converged", row);
    System.out.println("ECM info unresolved=0: n_converged=" + convU + " n_unresolved=" + unresU);
    check(unresU == 0 && count(ru.status, 9) == 0, "unresolved=0: n_unresolved = 0");
    check(convU > conv0, "unresolved=0: more converged pixels (" + convU + " > " + conv0 + ")");
    check(convU == conv0 + unres0,
        "unresolved=0: the unresolved pixels become converged (" + convU + " = " + conv0 + " + "
            + unres0 + ")");
    // a larger fraction flags at least as many
    RelaxationMaps.Result rl = FijiDriver.maps(imp, BASE + " unresolved=0.5");
    check(rl != null && rt.getValue("n_unresolved", rt.size() - 1) >= unres0,
        "unresolved=0.5 flags at least as many as 0.1");

    // split maps: no keys == defaults; unresolved=0 removes status 9 from both halves
    SplitMaps.Result s0 = split(imp, "mode=halves " + BASE);
    SplitMaps.Result s1 = split(imp, "mode=halves " + BASE + DEFAULTS);
    SplitMaps.Result su = split(imp, "mode=halves " + BASE + " unresolved=0");
    check(s0 != null && s1 != null && su != null, "split maps ran");
    if (s0 != null && s1 != null && su != null) {
      boolean eq = true;
      for (int k = 0; k < 2; k++)
        eq &= Arrays.equals(s0.halves.tau[k], s1.halves.tau[k])
            && Arrays.equals(s0.halves.beta[k], s1.halves.beta[k])
            && Arrays.equals(s0.halves.status[k], s1.halves.status[k]);
      check(eq && Arrays.equals(s0.halves.info, s1.halves.info),
          "split: no keys == explicit defaults, bit for bit");
      double c0 = s0.halves.count(0, 9) + s0.halves.count(1, 9);
      double cu = su.halves.count(0, 9) + su.halves.count(1, 9);
      check(c0 > 0 && cu == 0, "split: unresolved " + c0 + " by default, " + cu
          + " with unresolved=0");
      check(su.halves.count(0, 0) + su.halves.count(1, 0)
              > s0.halves.count(0, 0) + s0.halves.count(1, 0),
          "split: more converged pixels with unresolved=0");
    }
    SplitMaps.Result w0 = split(imp, "mode=sliding window=100 step=100 " + BASE);
    SplitMaps.Result w1 = split(imp, "mode=sliding window=100 step=100 " + BASE + DEFAULTS);
    SplitMaps.Result wu = split(imp, "mode=sliding window=100 step=100 " + BASE + " unresolved=0");
    check(w0 != null && w1 != null && wu != null, "sliding-window maps ran");
    if (w0 != null && w1 != null && wu != null) {
      check(Arrays.equals(w0.windows.tau, w1.windows.tau)
              && Arrays.equals(w0.windows.status, w1.windows.status),
          "sliding: no keys == explicit defaults, bit for bit");
      int n9 = 0, d9 = 0, n0 = 0, d0 = 0;
      for (float v : wu.windows.status) {
        n9 += v == 9 ? 1 : 0;
        n0 += v == 0 ? 1 : 0;
      }
      for (float v : w0.windows.status) {
        d9 += v == 9 ? 1 : 0;
        d0 += v == 0 ? 1 : 0;
      }
      check(n9 == 0 && n0 == d0 + d9, "sliding: unresolved " + d9 + " by default, " + n9
          + " with unresolved=0; converged " + d0 + " -> " + n0);
    }

    // g2 Inspector: a pixel flagged unresolved by default is converged with unresolved=0
    float[] st0 = px(r0.status);
    int ux = -1, uy = -1;
    for (int i = 0; i < st0.length && ux < 0; i++)
      if (st0[i] == 9) {
        ux = i % imp.getWidth();
        uy = i / imp.getWidth();
      }
    if (ux >= 0) {
      String at = " x=" + ux + " y=" + uy;
      G2Inspector.Result g0 = inspect(imp, BASE + at);
      G2Inspector.Result g1 = inspect(imp, BASE + DEFAULTS + at);
      G2Inspector.Result gu = inspect(imp, BASE + " unresolved=0" + at);
      check(g0 != null && g1 != null && gu != null, "inspector ran");
      if (g0 != null && g1 != null && gu != null) {
        check(Arrays.equals(g0.curve.params, g1.curve.params)
                && Arrays.equals(g0.curve.fit, g1.curve.fit),
            "inspector: no keys == explicit defaults, bit for bit");
        check(g0.curve.state() == 9 && gu.curve.state() == 0,
            "inspector pixel (" + ux + ", " + uy + "): unresolved by default ("
                + g0.curve.stateName() + "), converged with unresolved=0 ("
                + gu.curve.stateName() + ")");
        check(Float.isNaN(px(r0.tau)[uy * imp.getWidth() + ux])
                && gu.curve.params[NativeG2.P_TAU] == px(ru.tau)[uy * imp.getWidth() + ux],
            "inspector tau with unresolved=0 == the map's tau with unresolved=0");
      }
    }

    // ---- (c) static crystals: no_decay_dchi2=0 turns the flatness test off ----
    SimulateStack.Result cr = FijiDriver.simulate("frames=200 width=20 height=16 interval=0.5"
        + " pixel_size=2 tau_median=2 sigma=0.5 beta_min=1 beta_max=1 contrast=0.3 dose=0"
        + " map_correlation=0 crystals=3 crystal_radius=4 seed=7");
    check(cr != null, "crystal stack simulated");
    if (cr == null) return;
    ImagePlus ci = cr.stack;
    ci.setTitle("crystals");
    RelaxationMaps.Result c0 = FijiDriver.maps(ci, BASE);
    double nd0 = rt.getValue("n_no_decay", rt.size() - 1);
    RelaxationMaps.Result cOff = FijiDriver.maps(ci, BASE + " no_decay_dchi2=0");
    double ndOff = rt.getValue("n_no_decay", rt.size() - 1);
    RelaxationMaps.Result cBig = FijiDriver.maps(ci, BASE + " no_decay_dchi2=1e9");
    double ndBig = rt.getValue("n_no_decay", rt.size() - 1);
    System.out.println("ECM info crystals: n_no_decay default=" + nd0 + " off=" + ndOff
        + " 1e9=" + ndBig);
    check(c0 != null && cOff != null && cBig != null, "crystal maps ran (no_decay_dchi2=1e9 ok)");
    check(nd0 > 0 && ndOff < nd0, "no_decay_dchi2=0: n_no_decay drops (" + nd0 + " -> " + ndOff
        + ")");
    check(ndBig >= nd0, "no_decay_dchi2=1e9: at least as many no-decay (" + ndBig + ")");
    SplitMaps.Result cs0 = split(ci, "mode=halves " + BASE);
    SplitMaps.Result csOff = split(ci, "mode=halves " + BASE + " no_decay_dchi2=0");
    if (cs0 != null && csOff != null)
      check(csOff.halves.count(0, 5) + csOff.halves.count(1, 5)
              < cs0.halves.count(0, 5) + cs0.halves.count(1, 5),
          "split: no_decay_dchi2=0 gives fewer no-decay pixels");
    else check(false, "split maps of the crystal stack ran");

    // ---- (d) refusals ----
    String[] bad = {"-1", "NaN", "Infinity", "1e10", "-0.5", "abc"};
    for (String key : new String[] {"no_decay_dchi2", "unresolved"}) {
      for (String v : bad) {
        String kv = " " + key + "=" + v;
        check(FijiDriver.maps(imp, BASE + kv) == null, "maps refuses" + kv);
        check(split(imp, "mode=halves " + BASE + kv) == null, "split refuses" + kv);
        check(inspect(imp, BASE + kv + " x=1 y=1") == null, "inspector refuses" + kv);
      }
    }
    final Object[] all = slices(imp);
    final int w = imp.getWidth(), h = imp.getHeight(), n = w * h;
    final double[][] badPairs = {{-1, 0.1}, {Double.NaN, 0.1}, {Double.POSITIVE_INFINITY, 0.1},
        {1e10, 0.1}, {6, -1}, {6, Double.NaN}, {6, Double.POSITIVE_INFINITY}, {6, 1e10}};
    for (final double[] bp : badPairs) {
      String what = "(no_decay_dchi2=" + bp[0] + ", unresolved=" + bp[1] + ")";
      expectEcm("relaxMap " + what, () -> EcmNative.relaxMap(all, w, h, 0.5, "s", 10, 0, true,
          bp[0], bp[1], 1, null, null, new float[n], new float[n], new float[n], new float[n],
          new float[n]));
      expectEcm("NativeStats.split " + what, () -> NativeStats.split(all, w, h, 0.5, "s", 10, 0,
          true, bp[0], bp[1], 1, null, null));
      expectEcm("NativeStats.windows " + what, () -> NativeStats.windows(all, w, h, 0.5, "s", 10,
          0, true, bp[0], bp[1], 1, null, null, 100, 100));
    }
    final long hd = NativeG2.open(all, w, h, 0.5, "s");
    try {
      for (final double[] bp : badPairs) {
        String what = "(no_decay_dchi2=" + bp[0] + ", unresolved=" + bp[1] + ")";
        expectEcm("NativeG2.pixel " + what, () -> NativeG2.pixel(hd, 1, 1, 10, 0, true, bp[0],
            bp[1]));
        expectEcm("NativeG2.roi " + what, () -> NativeG2.roi(hd, new byte[] {1}, 10, 0, true,
            bp[0], bp[1], 1, null));
      }
      NativeG2.Curve c = NativeG2.pixel(hd, 1, 1, 10, 0, true, 0, 1e9);
      check(c != null, "NativeG2.pixel accepts no_decay_dchi2=0, unresolved=1e9");
    } finally {
      NativeG2.close(hd);
    }
  }
}
