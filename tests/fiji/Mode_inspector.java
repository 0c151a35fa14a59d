// jvm.fiji.inspector: the g2 Inspector (ecm.fiji.G2Inspector, ecm.fiji.NativeG2) headless.
// A pixel's tau must equal the tau map of Relaxation Maps at that pixel; a ROI's ensemble
// must find the simulated tau; the native session handle must survive abuse.
import ecm.fiji.EcmException;
import ecm.fiji.EcmNative;
import ecm.fiji.G2Inspector;
import ecm.fiji.NativeG2;
import ecm.fiji.Progress;
import ecm.fiji.RelaxationMaps;
import ecm.fiji.SimulateStack;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.Plot;
import ij.gui.Roi;
import ij.measure.ResultsTable;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;

public class Mode_inspector {
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

  static boolean close(double a, double b, double rel) {
    if (Double.isNaN(a) || Double.isNaN(b)) return Double.isNaN(a) && Double.isNaN(b);
    return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));
  }

  static String f(double v) {
    return FijiDriver.f(v);
  }

  static void expectEcm(String what, Runnable r) {
    try {
      r.run();
      FijiDriver.check(false, what + ": no exception");
    } catch (EcmException e) {
      FijiDriver.check(true, what + " -> EcmException " + e.getCode() + ": " + e.getMessage());
    } catch (Throwable e) {
      FijiDriver.check(false, what + " -> " + e);
    }
  }

  /** A package-private native method of NativeG2, called without the Java-side checks. */
  static Object raw(String name, Class<?>[] types, Object... args) {
    try {
      java.lang.reflect.Method m = NativeG2.class.getDeclaredMethod(name, types);
      m.setAccessible(true);
      return m.invoke(null, args);
    } catch (java.lang.reflect.InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException) throw (RuntimeException) e.getCause();
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  static Object rawOpen(Object[] slices, int w, int h) {
    EcmNative.load();
    return raw("nativeOpen", new Class<?>[] {Object[].class, int.class, int.class, double.class,
        String.class}, slices, w, h, 0.5, "s");
  }

  static long rssKb() {
    try {
      for (String l : java.nio.file.Files.readAllLines(java.nio.file.Paths.get("/proc/self/status")))
        if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux
    }
    return -1;
  }

  public static void run() throws Exception {
    SimulateStack.Result sim = FijiDriver.simulate("frames=400 width=12 height=10 interval=0.5"
        + " pixel_size=1 tau_median=4 sigma=0 beta_min=1 beta_max=1 contrast=0.3 dose=0"
        + " map_correlation=0 seed=9");
    FijiDriver.check(sim != null, "simulated 400 x 12 x 10");
    if (sim == null) return;
    ImagePlus imp = sim.stack;
    imp.setTitle("insp");
    String opts = "frame_interval=0 points_per_decade=10 max_lag=0 bias_correction";

    // (a) the pixel equals the tau map
    RelaxationMaps.Result maps = FijiDriver.maps(imp, opts + " threads=2");
    FijiDriver.check(maps != null, "Relaxation Maps ran");
    if (maps == null) return;
    float[] tauMap = (float[]) maps.tau.getProcessor().getPixels();
    float[] betaMap = (float[]) maps.beta.getProcessor().getPixels();
    float[] ampMap = (float[]) maps.amp.getProcessor().getPixels();
    float[] statusMap = (float[]) maps.status.getProcessor().getPixels();
    int w = imp.getWidth();
    ResultsTable rt = ResultsTable.getResultsTable();
    rt.reset();
    G2Inspector.Result r = inspect(imp, opts + " x=3 y=4");
    FijiDriver.check(r != null && "pixel".equals(r.target) && r.x == 3 && r.y == 4,
        "inspector at pixel (3,4)");
    if (r == null) return;
    double[] q = r.curve.params;
    double mapTau = tauMap[4 * w + 3];
    FijiDriver.check(statusMap[4 * w + 3] == 0 && r.curve.state() == 0,
        "pixel (3,4) converged in both");
    FijiDriver.check(close(q[NativeG2.P_TAU], mapTau, 1e-5),
        "tau " + f(q[NativeG2.P_TAU]) + " s = tau map " + f(mapTau) + " s (1e-5)");
    FijiDriver.check(close(q[NativeG2.P_BETA], betaMap[4 * w + 3], 1e-5)
            && close(q[NativeG2.P_A], ampMap[4 * w + 3], 1e-5),
        "beta " + f(q[NativeG2.P_BETA]) + " and A " + f(q[NativeG2.P_A]) + " = the maps'");
    FijiDriver.check(r.timeUnit.equals("s") && r.frames == 400 && q[NativeG2.P_DT] == 0.5,
        "time unit s, 400 frames, dt 0.5");
    // Results row
    FijiDriver.check(rt.size() == 1 && rt.getValue("tau_s", 0) == q[NativeG2.P_TAU]
            && rt.getValue("x", 0) == 3 && rt.getValue("y", 0) == 4
            && "pixel".equals(rt.getStringValue("target", 0))
            && "converged".equals(rt.getStringValue("state", 0))
            && rt.getValue("n_pixels", 0) == 1 && rt.getColumnIndex("tau_err_s") >= 0
            && rt.getColumnIndex("beta_err") >= 0 && rt.getColumnIndex("chi2_red") >= 0,
        "Results row: tau_s, x, y, target, state, n_pixels, tau_err_s, beta_err, chi2_red");
    // the curve and its table
    int nb = r.curve.t.length;
    boolean semOk = true, resOk = true;
    for (int k = 0; k < nb; k++) {
      semOk &= r.curve.sem[k] > 0 && !Double.isInfinite(r.curve.sem[k]);
      resOk &= Math.abs(r.curve.residual[k] - (r.curve.g2[k] - r.curve.fit[k])) < 1e-12;
    }
    FijiDriver.check(nb == (int) q[NativeG2.P_NBINS] && nb == maps.summary[EcmNative.S_NBINS]
            && semOk && resOk,
        nb + " bins (as the maps), sem > 0 finite, residual = g2 - fit");
    FijiDriver.check(Math.abs(r.curve.t[0] - 0.5) < 1e-12 && r.curve.t[nb - 1] <= 100,
        "t from 0.5 s to " + f(r.curve.t[nb - 1]) + " s (max lag = half the series)");
    ResultsTable ct = r.table;
    FijiDriver.check(ct != null && ct.size() == nb && ct.getColumnIndex("t_s") >= 0
            && ct.getValue("g2", 2) == r.curve.g2[2] && ct.getValue("sem", 2) == r.curve.sem[2]
            && ct.getValue("fit", 2) == r.curve.fit[2]
            && ct.getValue("residual", 2) == r.curve.residual[2],
        "curve table '" + G2Inspector.CURVE_TABLE + "': t_s, g2, sem, fit, residual");
    // (c) the plot
    Plot plot = r.plot;
    FijiDriver.check(plot != null, "plot kept in the result");
    if (plot != null) {
      FijiDriver.check((plot.getFlags() & Plot.X_LOG_NUMBERS) != 0, "plot x axis logarithmic");
      float[][] d0 = plot.getDataObjectArrays(0);
      FijiDriver.check(d0[0].length == nb && Math.abs(d0[1][3] - r.curve.g2[3]) < 1e-6,
          "plot data set 1 holds the " + nb + " g2 points");
      String[] des = plot.getDataObjectDesignations();
      boolean legend = des.length >= 2 && des[1].contains("\u03c4 =") && des[1].contains(" s");
      FijiDriver.check(legend, "legend holds the fit: " + (des.length >= 2 ? des[1] : "?"));
      ImagePlus pi = plot.getImagePlus();
      FijiDriver.check(pi != null && pi.getWidth() > 100, "plot renders headless");
    }

    // every pixel, through the session API (what a click calls): tau and status as the maps
    G2Inspector ins = new G2Inspector();
    G2Inspector.Params p = new G2Inspector.Params();
    ins.open(imp, p);
    int same = 0, total = 0;
    for (int y = 0; y < imp.getHeight(); y++)
      for (int x = 0; x < w; x++) {
        G2Inspector.Result px = ins.showPixel(x, y);
        total++;
        if (close(px.curve.params[NativeG2.P_TAU], tauMap[y * w + x], 1e-6)
            && px.curve.state() == (int) statusMap[y * w + x])
          same++;
      }
    FijiDriver.check(same == total, same + " of " + total
        + " pixels: inspector tau and status equal the maps'");

    // (b) ROI ensemble
    Roi box = new Roi(2, 2, 8, 6);
    G2Inspector.Result e = ins.showRoi(box);
    double et = e.curve.params[NativeG2.P_TAU], eb = e.curve.params[NativeG2.P_BETA];
    FijiDriver.check("roi".equals(e.target) && e.curve.params[NativeG2.P_N_PIXELS] == 48
            && e.curve.state() == 0,
        "ROI ensemble of 48 pixels converged (" + e.curve.stateName() + ")");
    FijiDriver.check(Math.abs(et / 4 - 1) < 0.25, "ROI tau " + f(et) + " s (truth 4, 25 %)");
    FijiDriver.check(eb >= 0.7 && eb <= 1.3, "ROI beta " + f(eb) + " (truth 1)");
    boolean semPos = true;
    for (double s : e.curve.sem) semPos &= s > 0;
    FijiDriver.check(semPos && e.curve.t.length == nb, "ROI sem across pixels > 0, " + nb + " bins");
    // same ROI through Relaxation Maps: its ensemble tau is the inspector's
    ImagePlus withRoi = imp.duplicate();
    withRoi.setTitle("insp_roi");
    withRoi.setRoi(new Roi(2, 2, 8, 6));
    RelaxationMaps.Result mr = FijiDriver.maps(withRoi, opts + " threads=1");
    FijiDriver.check(mr != null && close(mr.summary[EcmNative.S_ENS_TAU], et, 1e-9),
        "ROI tau = Relaxation Maps' ens_tau with that ROI ("
            + (mr == null ? "?" : f(mr.summary[EcmNative.S_ENS_TAU])) + ")");
    // the macro path with an area ROI and no x, y
    rt.reset();
    G2Inspector.Result em = inspect(withRoi, opts);
    FijiDriver.check(em != null && "roi".equals(em.target) && close(em.curve.params[NativeG2.P_TAU], et, 1e-12)
            && "roi".equals(rt.getStringValue("target", 0)) && Double.isNaN(rt.getValue("x", 0)),
        "macro with an area ROI: target roi, x NaN, same tau");
    // default: the image centre
    G2Inspector.Result centre = inspect(imp, opts);
    FijiDriver.check(centre != null && centre.x == 6 && centre.y == 5,
        "no x, y, no ROI: the centre pixel (6, 5)");
    FijiDriver.check(inspect(imp, "frame_interval=1 points_per_decade=10 max_lag=0 bias_correction x=3 y=4") != null
            && close(rt.getValue("tau_s", rt.size() - 1), 2 * q[NativeG2.P_TAU], 1e-6),
        "frame_interval=1 doubles tau");

    // (d) bad input
    FijiDriver.check(inspect(imp, opts + " x=12 y=4") == null, "x=12 (outside 12 wide) refused");
    FijiDriver.check(inspect(imp, opts + " x=3 y=-2") == null, "y=-2 refused");
    FijiDriver.check(inspect(imp, opts + " x=3") == null, "x without y refused");
    FijiDriver.check(inspect(imp, opts + " x=1.5 y=2") == null, "x=1.5 refused");
    FijiDriver.check(inspect(imp, "points_per_decade=-1 x=1 y=1") == null,
        "points_per_decade=-1 refused");
    FijiDriver.check(inspect(imp, "points_per_decade=NaN x=1 y=1") == null,
        "points_per_decade=NaN refused");
    FijiDriver.check(inspect(imp, "max_lag=399 x=1 y=1") == null, "max_lag=399 (400 frames) refused");
    FijiDriver.check(inspect(imp, "max_lag=1e12 x=1 y=1") == null, "max_lag=1e12 refused");
    FijiDriver.check(inspect(imp, "frame_interval=-1 x=1 y=1") == null, "frame_interval=-1 refused");
    ij.ImageStack rgb = new ij.ImageStack(8, 8);
    for (int i = 0; i < 5; i++) rgb.addSlice(new ColorProcessor(8, 8));
    ImagePlus rgbImp = new ImagePlus("rgb", rgb);
    rgbImp.setDimensions(1, 1, 5);
    FijiDriver.check(inspect(rgbImp, opts) == null, "RGB stack refused");
    ImagePlus one = new ImagePlus("one", new FloatProcessor(8, 8));
    FijiDriver.check(inspect(one, opts) == null, "1-frame image refused");
    expectEcm("session pixel (-1, 0)", () -> ins.pixel(-1, 0));
    expectEcm("session pixel (0, 10)", () -> ins.pixel(0, 10));
    expectEcm("ROI outside the image", () -> ins.roi(new Roi(40, 40, 5, 5)));
    expectEcm("line ROI", () -> ins.roi(new ij.gui.Line(0, 0, 5, 5)));
    final long h = ins.handle();
    expectEcm("native pixel outside (raw)", () -> raw("nativePixel", new Class<?>[] {long.class, int.class, int.class, double.class, int.class, boolean.class, double.class, double.class}, h, 12, 0, 10.0, 0, true, 6.0, 0.1));
    expectEcm("native mask of the wrong size (raw)", () -> NativeG2.roi(h, new byte[7], 10, 0,
        true, 6, 0.1, 1, null));
    expectEcm("native max_lag too large", () -> NativeG2.pixel(h, 0, 0, 10, 399, true, 6, 0.1));
    expectEcm("empty ROI mask", () -> NativeG2.roi(h, new byte[120], 10, 0, true, 6, 0.1, 1, null));
    byte[] all = new byte[120];
    java.util.Arrays.fill(all, (byte) 1);
    try {
      NativeG2.roi(h, all, 10, 0, true, 6, 0.1, 1, new Progress() {
        public boolean update(double fr, String stage) {
          return true;
        }
      });
      FijiDriver.check(false, "cancel: no exception");
    } catch (EcmException ex) {
      FijiDriver.check(ex.isCancel(), "progress returning true cancels the ROI ("
          + ex.getMessage() + ")");
    }
    ins.close();
    FijiDriver.check(!ins.isOpen(), "session closed");
    expectEcm("session use after close", () -> ins.pixel(1, 1));
    expectEcm("native handle use after close", () -> NativeG2.pixel(h, 1, 1, 10, 0, true, 6, 0.1));
    expectEcm("native ROI after close", () -> NativeG2.roi(h, all, 10, 0, true, 6, 0.1, 1, null));
    ins.close();
    NativeG2.close(h);
    FijiDriver.check(true, "double close is a no-op");
    expectEcm("never-valid handle", () -> NativeG2.pixel(987654321L, 1, 1, 10, 0, true, 6, 0.1));
    expectEcm("handle 0", () -> NativeG2.pixel(0, 1, 1, 10, 0, true, 6, 0.1));
    NativeG2.close(-5);
    NativeG2.close(123456789L);
    FijiDriver.check(true, "closing unknown handles is a no-op");
    expectEcm("native open of int[] slices (raw)", () -> rawOpen(
        new Object[] {new int[4], new int[4], new int[4]}, 2, 2));
    expectEcm("native open of 2 frames (raw)", () -> rawOpen(
        new Object[] {new float[4], new float[4]}, 2, 2));
    expectEcm("native open of a short slice (raw)", () -> rawOpen(
        new Object[] {new float[4], new float[3], new float[4]}, 2, 2));

    // (e) the handle API directly: open/pixel/close many times, no leak, no crash
    int base = NativeG2.openCount();
    float[][] fr = new float[400][];
    for (int t = 0; t < 400; t++) fr[t] = (float[]) imp.getStack().getPixels(t + 1);
    Object[] slices = fr;
    // a larger copy so that a leak would show in the resident size: 400 x 64 x 64 floats
    Object[] big = new Object[400];
    for (int t = 0; t < 400; t++) {
      float[] b = new float[64 * 64];
      for (int i = 0; i < b.length; i++) b[i] = fr[t][i % 120];
      big[t] = b;
    }
    for (int i = 0; i < 20; i++) NativeG2.close(NativeG2.open(big, 64, 64, 0.5, "s"));
    long rss0 = rssKb();
    int cycles = 300;
    for (int i = 0; i < cycles; i++) {
      long hh = NativeG2.open(big, 64, 64, 0.5, "s");
      if (i % 10 == 0) NativeG2.pixel(hh, i % 64, (i / 64) % 64, 10, 0, true, 6, 0.1);
      NativeG2.close(hh);
      NativeG2.close(hh);
    }
    long rss1 = rssKb();
    FijiDriver.check(NativeG2.openCount() == base, "open count back to " + base + " after "
        + cycles + " open/close cycles");
    FijiDriver.check(rss0 < 0 || rss1 - rss0 < 100 * 1024, "resident size grew by "
        + (rss1 - rss0) / 1024 + " MB over " + cycles + " cycles of a 6.25 MB copy (< 100 MB)");
    // concurrent close while another thread computes: EcmException or a result, never a crash
    final long hc = NativeG2.open(slices, 12, 10, 0.5, "s");
    final int[] okBad = {0, 0, 0};
    Thread tw = new Thread(new Runnable() {
      public void run() {
        long end = System.nanoTime() + 20_000_000_000L;
        for (int i = 0; System.nanoTime() < end; i++) {
          try {
            NativeG2.pixel(hc, i % 12, i % 10, 10, 0, true, 6, 0.1);
            okBad[0]++;
          } catch (EcmException ex) {
            okBad[1]++;
            return;
          } catch (Throwable ex) {
            okBad[2]++;
            return;
          }
        }
      }
    });
    tw.start();
    Thread.sleep(20);
    NativeG2.close(hc);
    tw.join();
    FijiDriver.check(okBad[2] == 0 && okBad[0] > 0 && okBad[1] == 1,
        "close during computation: " + okBad[0] + " results then " + okBad[1]
            + " EcmException, nothing else");

    // speed: one pixel of a 4000-frame stack
    SimulateStack.Result longSim = FijiDriver.simulate("frames=4000 width=16 height=16"
        + " interval=0.1 pixel_size=1 tau_median=2 sigma=0.3 beta_min=0.7 beta_max=1"
        + " contrast=0.3 dose=0 map_correlation=0 seed=4");
    FijiDriver.check(longSim != null, "simulated 4000 x 16 x 16");
    if (longSim != null) {
      G2Inspector li = new G2Inspector();
      li.open(longSim.stack, new G2Inspector.Params());
      for (int i = 0; i < 5; i++) li.pixel(i, i); // warm-up (FFT plans, bias table, JIT)
      int n = 50;
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) li.pixel(i % 16, (i / 16) % 16);
      double ms = (System.nanoTime() - t0) * 1e-6 / n;
      long t1 = System.nanoTime();
      G2Inspector.Result lr = li.roi(new Roi(0, 0, 16, 16));
      double roiMs = (System.nanoTime() - t1) * 1e-6;
      li.close();
      System.out.println(String.format(java.util.Locale.ROOT,
          "ECM value inspector_pixel_ms_4000_frames=%.3f", ms));
      System.out.println(String.format(java.util.Locale.ROOT,
          "ECM value inspector_roi_256px_ms_4000_frames=%.1f", roiMs));
      FijiDriver.check(ms < 100, "one pixel of 4000 frames in " + FijiDriver.f(ms)
          + " ms (incl. plot, table; < 100 ms)");
      FijiDriver.check(lr.curve.state() == 0, "4000-frame ROI ensemble converged, tau "
          + f(lr.curve.params[NativeG2.P_TAU]) + " s");
    }
    FijiDriver.check(NativeG2.openCount() == base, "no session left open");
  }
}
