// Headless driver for the Fiji plugin (ECM_Analysis.jar): runs each command as a macro would
// (Macro options on a "Run$_" thread, no display) and prints sentinel lines "ECM ok ..." or
// "ECM FAIL ...", then "ECM driver done failures=N".
// Usage: java -Djava.awt.headless=true -cp ij.jar:ECM_Analysis.jar:. FijiDriver MODE
//   MODE: smoke | simulate | maps | bad | about | align | ttcf, or any tests/fiji/Mode_<MODE>.java
import ecm.fiji.About;
import ecm.fiji.AlignStack;
import ecm.fiji.EcmException;
import ecm.fiji.EcmNative;
import ecm.fiji.RelaxationMaps;
import ecm.fiji.SimulateStack;
import ecm.fiji.TwoTimeCorrelation;
import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import java.util.Locale;

public class FijiDriver {
  static int failures = 0;

  static void check(boolean ok, String what) {
    System.out.println((ok ? "ECM ok " : "ECM FAIL ") + what);
    if (!ok) failures++;
  }

  static String f(double v) {
    return String.format(Locale.ROOT, "%.6g", v);
  }

  /** Runs body on a thread named like ImageJ's macro threads, with these macro options. */
  static void asMacro(final String options, final Runnable body) throws InterruptedException {
    Thread t = new Thread(new Runnable() {
      public void run() {
        Macro.setOptions(options);
        try {
          body.run();
        } catch (Throwable e) {
          check(false, "uncaught " + e);
          e.printStackTrace(System.out);
        } finally {
          Macro.setOptions(null);
        }
      }
    }, "Run$_ecm_test");
    t.start();
    t.join();
  }

  static SimulateStack.Result simulate(String options) throws InterruptedException {
    final SimulateStack[] cmd = {new SimulateStack()};
    asMacro(options, new Runnable() {
      public void run() {
        cmd[0].run("");
      }
    });
    return cmd[0].getResult();
  }

  static RelaxationMaps.Result maps(final ImagePlus imp, String options)
      throws InterruptedException {
    final RelaxationMaps cmd = new RelaxationMaps();
    asMacro(options, new Runnable() {
      public void run() {
        WindowManager.setTempCurrentImage(imp);
        cmd.run("");
      }
    });
    return cmd.getResult();
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    check(java.awt.GraphicsEnvironment.isHeadless(), "headless JVM");
    if (mode.equals("smoke")) smoke();
    else if (mode.equals("simulate")) simulateTest();
    else if (mode.equals("maps")) mapsTest();
    else if (mode.equals("bad")) badTest();
    else if (mode.equals("about")) aboutTest();
    else if (mode.equals("align")) alignTest();
    else if (mode.equals("ttcf")) ttcfTest();
    else runModeClass(mode);
    System.out.println("ECM driver done failures=" + failures);
    System.exit(failures == 0 ? 0 : 1);
  }

  /**
   * A mode kept in its own file: tests/fiji/Mode_<mode>.java with a public static void run()
   * that reports through FijiDriver.check (picked up by tests/fiji/CMakeLists.txt).
   */
  static void runModeClass(String mode) {
    try {
      Class<?> c = Class.forName("Mode_" + mode);
      c.getMethod("run").invoke(null);
    } catch (ClassNotFoundException e) {
      check(false, "unknown mode " + mode);
    } catch (java.lang.reflect.InvocationTargetException e) {
      check(false, "mode " + mode + " threw " + e.getCause());
      e.getCause().printStackTrace(System.out);
    } catch (ReflectiveOperationException e) {
      check(false, "mode " + mode + ": " + e);
    }
  }

  static void smoke() {
    String v = EcmNative.version();
    check(v.matches("\\d+\\.\\d+\\.\\d+"), "native version " + v);
    check(EcmNative.loadedFrom() != null, "loaded from " + EcmNative.loadedFrom());
    String st = EcmNative.selfTest();
    check(st.contains("ok"), "self-test: " + st);
    EcmNative.SimStack s = EcmNative.simulate(50, 4, 5, 0.5, 1, 2, 0, 1, 1, 0.3, 0, 0, 7, 1, null);
    check(s.frames.length == 50 && s.frames[0].length == 20 && s.truthTau.length == 20,
        "simulate shapes");
    float[] tau = new float[20], beta = new float[20], a = new float[20], c = new float[20],
        status = new float[20];
    final int[] calls = {0};
    double[] sum = EcmNative.relaxMap(s.frames, 5, 4, 0.5, "sec", 10, 0, true, 6, 0.1, 1,
        new ecm.fiji.Progress() {
          public boolean update(double fr, String stage) {
            calls[0]++;
            return false;
          }
        }, null, tau, beta, a, c, status);
    check(calls[0] > 0, "progress callback called " + calls[0] + " times");
    check(sum[EcmNative.S_SECONDS] == 1, "time unit sec understood as seconds");
    check(sum[EcmNative.S_N_PIXELS] == 20, "n_pixels=" + f(sum[EcmNative.S_N_PIXELS]));
    // cancellation from the callback
    try {
      EcmNative.relaxMap(s.frames, 5, 4, 0.5, "s", 10, 0, true, 6, 0.1, 1, new ecm.fiji.Progress() {
        public boolean update(double fr, String stage) {
          return true;
        }
      }, null, tau, beta, a, c, status);
      check(false, "cancel: no exception");
    } catch (EcmException e) {
      check(e.isCancel(), "cancel -> EcmException code " + e.getCode() + ": " + e.getMessage());
    }
    // a throwing callback cancels too (no JVM crash, no pending exception leak)
    try {
      EcmNative.relaxMap(s.frames, 5, 4, 0.5, "s", 10, 0, true, 6, 0.1, 1, new ecm.fiji.Progress() {
        public boolean update(double fr, String stage) {
          throw new IllegalStateException("boom");
        }
      }, null, tau, beta, a, c, status);
      check(false, "throwing callback: no exception");
    } catch (EcmException e) {
      check(e.isCancel(), "throwing callback -> cancel");
    }
    // the native side checks arguments itself too (raw native entry, no Java checks)
    Object[][] bad = {
        {new int[20], new int[20], new int[20]}, // RGB pixels
        {new float[20], new float[19], new float[20]}, // wrong slice length
        {new float[20], null, new float[20]}, // null slice
        {new float[20], new float[20]}, // 2 frames
    };
    String[] names = {"int[] slices", "short slice", "null slice", "2 frames"};
    for (int i = 0; i < bad.length; i++) {
      try {
        ecm.fiji.EcmNativeAccess.raw(bad[i], 5, 4, tau, beta, a, c, status);
        check(false, "native check " + names[i] + ": no exception");
      } catch (EcmException e) {
        check(true, "native check " + names[i] + " -> code " + e.getCode() + ": " + e.getMessage());
      }
    }
    try {
      ecm.fiji.EcmNativeAccess.raw(s.frames, 5, 4, tau, beta, a, c, new float[3]);
      check(false, "native check short output: no exception");
    } catch (EcmException e) {
      check(true, "native check short output -> " + e.getMessage());
    }
    // short[] and byte[] stacks are read as unsigned
    Object[] u16 = new Object[s.frames.length], u8 = new Object[s.frames.length];
    for (int t = 0; t < s.frames.length; t++) {
      short[] sh = new short[20];
      byte[] by = new byte[20];
      for (int i = 0; i < 20; i++) {
        sh[i] = (short) (40000 + Math.round(10000 * s.frames[t][i]));
        by[i] = (byte) (128 + Math.round(40 * s.frames[t][i]));
      }
      u16[t] = sh;
      u8[t] = by;
    }
    double[] s16 = EcmNative.relaxMap(u16, 5, 4, 0.5, "s", 10, 0, true, 6, 0.1, 1, null, null, tau, beta, a, c,
        status);
    check(s16[EcmNative.S_N_PIXELS] == 20 && s16[EcmNative.S_COUNT0 + 8] == 0
            && s16[EcmNative.S_COUNT0 + 6] == 0,
        "16-bit stack mapped (no dark pixels: unsigned)");
    double[] s8 = EcmNative.relaxMap(u8, 5, 4, 0.5, "s", 10, 0, true, 6, 0.1, 1, null, null, tau, beta, a, c,
        status);
    check(s8[EcmNative.S_N_PIXELS] == 20 && s8[EcmNative.S_COUNT0 + 6] == 0,
        "8-bit stack mapped (no dark pixels: unsigned)");
  }

  static void simulateTest() throws InterruptedException {
    SimulateStack.Result r = simulate("frames=60 width=12 height=10 interval=0.25 pixel_size=0.8"
        + " tau_median=1.5 sigma=0.3 beta_min=0.8 beta_max=1 contrast=0.3 dose=0"
        + " map_correlation=2 seed=3");
    check(r != null, "simulate produced a result");
    if (r == null) return;
    ImagePlus s = r.stack;
    check(s.getWidth() == 12 && s.getHeight() == 10 && s.getNFrames() == 60 && s.getNSlices() == 1
            && s.getBitDepth() == 32,
        "stack dims " + s.getWidth() + "x" + s.getHeight() + " t=" + s.getNFrames());
    Calibration c = s.getCalibration();
    check(c.frameInterval == 0.25 && c.pixelWidth == 0.8 && c.getUnit().equals("nm"),
        "stack calibration dt=" + c.frameInterval + " " + c.getTimeUnit() + " px=" + c.pixelWidth
            + " " + c.getUnit());
    ImagePlus tau = r.truthTau;
    double med = median((float[]) tau.getProcessor().getPixels());
    check(tau.getBitDepth() == 32 && med > 0.5 && med < 4.5,
        "truth tau median " + f(med) + " s (want near 1.5)");
    check("s".equals(tau.getCalibration().getValueUnit()), "truth tau value unit s");
    // the same seed gives the same stack
    SimulateStack.Result r2 = simulate("frames=60 width=12 height=10 interval=0.25 pixel_size=0.8"
        + " tau_median=1.5 sigma=0.3 beta_min=0.8 beta_max=1 contrast=0.3 dose=0"
        + " map_correlation=2 seed=3");
    check(r2 != null && java.util.Arrays.equals((float[]) r2.stack.getStack().getPixels(7),
                            (float[]) s.getStack().getPixels(7)),
        "deterministic for a seed");
    // absurd parameters: an error message, no result, no crash
    SimulateStack.Result bad = simulate("frames=60 width=12 height=10 contrast=5");
    check(bad == null, "contrast=5 refused");
    SimulateStack.Result bad2 = simulate("frames=60 width=abc height=10");
    check(bad2 == null, "width=abc refused");
  }

  static double median(float[] v) {
    float[] c = v.clone();
    java.util.Arrays.sort(c);
    return c[c.length / 2];
  }

  static void mapsTest() throws InterruptedException {
    SimulateStack.Result sim = simulate("frames=200 width=10 height=8 interval=0.5 pixel_size=2"
        + " tau_median=4 sigma=0 beta_min=1 beta_max=1 contrast=0.3 dose=0 map_correlation=0"
        + " seed=5");
    ImagePlus imp = sim.stack;
    imp.setTitle("sim200");
    ResultsTable.getResultsTable().reset();
    RelaxationMaps.Result r = maps(imp, "frame_interval=0 points_per_decade=10 max_lag=0 "
        + "bias_correction threads=2");
    check(r != null, "maps produced a result");
    if (r == null) return;
    ResultsTable rt = ResultsTable.getResultsTable();
    check(rt.size() == 1, "one Results row (" + rt.size() + ")");
    double tauMed = rt.getValue("tau_med_s", 0);
    double frac = rt.getValue("converged_fraction", 0);
    double beta = rt.getValue("beta_mean", 0);
    check(tauMed > 2.4 && tauMed < 6.4, "tau_med_s=" + f(tauMed) + " (truth 4)");
    check(frac >= 0.8, "converged_fraction=" + f(frac));
    double ensBeta = rt.getValue("ens_beta", 0);
    check(beta > 0 && ensBeta > 0.6 && ensBeta < 1.4,
        "beta_mean=" + f(beta) + ", ens_beta=" + f(ensBeta) + " (truth 1)");
    // values for the plugin-vs-CLI comparison in jvm_plugin.sh
    for (String k : new String[] {"tau_med_s", "sigma", "beta_mean", "converged_fraction",
             "ens_tau_s", "n_converged", "n_no_decay"})
      System.out.println(String.format(Locale.ROOT, "ECM value %s=%.9g", k, rt.getValue(k, 0)));
    check(rt.getValue("dt_s", 0) == 0.5 && rt.getValue("frames", 0) == 200, "dt_s and frames");
    check(rt.getStringValue("image", 0).equals("sim200"), "image column");
    check(rt.getColumnHeading(rt.getColumnIndex("sigma")).equals("sigma"), "sigma column");
    // full precision in the table (setPrecision(9)), not 3 decimals
    String row = rt.getRowAsString(0);
    check(row.matches(".*\\d\\.\\d{6,}.*"), "precision >= 6 decimals: " + row);
    ImagePlus t = r.tau;
    Calibration c = t.getCalibration();
    check(t.getBitDepth() == 32 && t.getWidth() == 10 && t.getHeight() == 8,
        "tau map 32-bit 10x8");
    check(c.pixelWidth == 2 && c.getUnit().equals("nm") && "s".equals(c.getValueUnit()),
        "tau map calibration px=" + c.pixelWidth + " " + c.getUnit() + " value " + c.getValueUnit());
    check(r.beta.getCalibration().pixelWidth == 2 && r.status.getCalibration().pixelWidth == 2
            && r.amp.getBitDepth() == 32 && r.chi2.getBitDepth() == 32,
        "beta/A/chi2/status maps calibrated 32-bit");
    float[] st = (float[]) r.status.getProcessor().getPixels();
    int conv = 0;
    for (float v : st) conv += v == 0 ? 1 : 0;
    check(conv == (int) rt.getValue("n_converged", 0), "status map agrees with n_converged");
    // frame-interval override in seconds: tau scales with it
    RelaxationMaps.Result r2 = maps(imp, "frame_interval=1 bias_correction");
    check(r2 != null && Math.abs(rt.getValue("tau_med_s", 1) / tauMed - 2) < 1e-3,
        "frame_interval=1 doubles tau_med_s (" + f(rt.getValue("tau_med_s", 1)) + ")");
    // uncalibrated: lags in frames
    ImagePlus unc = imp.duplicate();
    unc.setCalibration(new Calibration());
    unc.setTitle("uncal");
    RelaxationMaps.Result r3 = maps(unc, "bias_correction");
    check(r3 != null && "frames".equals(r3.timeUnit) && rt.getColumnIndex("tau_med_frames") >= 0
            && Math.abs(rt.getValue("tau_med_frames", 2) / tauMed - 2) < 1e-3,
        "uncalibrated -> tau_med_frames");
    // Z-slices as time
    ImagePlus z = imp.duplicate();
    z.setDimensions(1, 200, 1);
    z.setTitle("zstack");
    check(maps(z, "bias_correction") == null, "Z-stack without slices_as_time refused");
    RelaxationMaps.Result r4 = maps(z, "slices_as_time bias_correction");
    check(r4 != null && Math.abs(rt.getValue("tau_med_s", rt.size() - 1) / tauMed - 1) < 1e-6,
        "slices_as_time gives the same tau_med_s");
  }

  static void badTest() throws InterruptedException {
    ImagePlus one = new ImagePlus("one", new FloatProcessor(8, 8));
    check(maps(one, "bias_correction") == null, "1-frame image refused");
    ij.ImageStack two = new ij.ImageStack(8, 8);
    two.addSlice(new FloatProcessor(8, 8));
    two.addSlice(new FloatProcessor(8, 8));
    ImagePlus twoImp = new ImagePlus("two", two);
    twoImp.setDimensions(1, 1, 2);
    check(maps(twoImp, "bias_correction") == null, "2-frame stack refused");
    ij.ImageStack rgb = new ij.ImageStack(8, 8);
    for (int i = 0; i < 5; i++) rgb.addSlice(new ColorProcessor(8, 8));
    ImagePlus rgbImp = new ImagePlus("rgb", rgb);
    rgbImp.setDimensions(1, 1, 5);
    check(maps(rgbImp, "bias_correction") == null, "RGB stack refused");
    ij.ImageStack dark = new ij.ImageStack(6, 5);
    for (int i = 0; i < 20; i++) dark.addSlice(new FloatProcessor(6, 5));
    ImagePlus darkImp = new ImagePlus("dark", dark);
    darkImp.setDimensions(1, 1, 20);
    ResultsTable.getResultsTable().reset();
    RelaxationMaps.Result r = maps(darkImp, "bias_correction");
    check(r != null && ResultsTable.getResultsTable().getValue("n_dark", 0) == 30,
        "all-zero stack: every pixel dark, no crash");
    check(maps(darkImp, "points_per_decade=-1") == null, "points_per_decade=-1 refused");
    check(maps(darkImp, "max_lag=2.5") == null, "max_lag=2.5 refused");
    check(maps(darkImp, "threads=x") == null, "threads=x refused");
    final RelaxationMaps none = new RelaxationMaps();
    asMacro("bias_correction", new Runnable() {
      public void run() {
        WindowManager.setTempCurrentImage(null);
        none.run("");
      }
    });
    check(none.getResult() == null, "no image open refused");
  }

  static void aboutTest() {
    String rep = About.report();
    check(rep.contains("ECM self-test passed"), "About reports self-test passed");
    check(rep.contains("libecm " + EcmNative.version()), "About shows the core version");
  }

  static AlignStack.Result align(final ImagePlus imp, String options) throws InterruptedException {
    final AlignStack cmd = new AlignStack();
    asMacro(options, new Runnable() {
      public void run() {
        WindowManager.setTempCurrentImage(imp);
        cmd.run("");
      }
    });
    return cmd.getResult();
  }

  static TwoTimeCorrelation.Result ttcf(final ImagePlus imp, String options)
      throws InterruptedException {
    final TwoTimeCorrelation cmd = new TwoTimeCorrelation();
    asMacro(options, new Runnable() {
      public void run() {
        WindowManager.setTempCurrentImage(imp);
        cmd.run("");
      }
    });
    return cmd.getResult();
  }

  /** A static, smoothed random texture moved by (t*dx, t*dy) px in frame t (content moves). */
  static ImagePlus driftStack(int nt, int w, int h, int dx, int dy) {
    int m = 40, bw = w + 2 * m, bh = h + 2 * m;
    java.util.Random rnd = new java.util.Random(11);
    float[] raw = new float[bw * bh], big = new float[bw * bh];
    for (int i = 0; i < raw.length; i++) raw[i] = rnd.nextFloat();
    for (int y = 1; y < bh - 1; y++)
      for (int x = 1; x < bw - 1; x++) {
        float a = 0;
        for (int j = -1; j <= 1; j++)
          for (int i = -1; i <= 1; i++) a += raw[(y + j) * bw + x + i];
        big[y * bw + x] = 100 + 20 * a;
      }
    ij.ImageStack st = new ij.ImageStack(w, h);
    for (int t = 0; t < nt; t++) {
      float[] f = new float[w * h];
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) f[y * w + x] = big[(m + y - t * dy) * bw + m + x - t * dx];
      st.addSlice(new FloatProcessor(w, h, f, null));
    }
    ImagePlus imp = new ImagePlus("drift", st);
    imp.setDimensions(1, 1, nt);
    Calibration c = new Calibration();
    c.pixelWidth = c.pixelHeight = 1.5;
    c.setUnit("nm");
    c.frameInterval = 0.2;
    c.setTimeUnit("s");
    imp.setCalibration(c);
    return imp;
  }

  static void alignTest() throws InterruptedException {
    int nt = 6, w = 64, h = 56, dx = 1, dy = -2;
    ImagePlus imp = driftStack(nt, w, h, dx, dy);
    for (String mode : new String[] {"whole", "bilinear", "fourier"}) {
      AlignStack.Result r = align(imp, "reference=running upsample=20 apply=" + mode);
      check(r != null, mode + ": align produced a result");
      if (r == null) return;
      ResultsTable rt = ResultsTable.getResultsTable();
      check(rt.size() == nt, mode + ": one Results row per frame (" + rt.size() + ")");
      double worst = 0;
      for (int t = 0; t < nt; t++) {
        worst = Math.max(worst, Math.abs(rt.getValue("shift_x_px", t) + t * dx));
        worst = Math.max(worst, Math.abs(rt.getValue("shift_y_px", t) + t * dy));
        if (rt.getValue("frame", t) != t + 1) check(false, "frame column " + t);
      }
      check(worst <= 0.1, mode + ": shifts recovered, worst error " + f(worst) + " px");
      check(rt.getValue("peak", nt - 1) > 0.3, mode + ": peak " + f(rt.getValue("peak", nt - 1)));
      ImagePlus a = r.aligned;
      // whole: crop width w - (nt-1)|dx|, height h - (nt-1)|dy|; subpixel modes the same or
      // one pixel less per axis
      int ew = w - (nt - 1) * Math.abs(dx), eh = h - (nt - 1) * Math.abs(dy);
      boolean sizeOk = mode.equals("whole") ? a.getWidth() == ew && a.getHeight() == eh
                                            : a.getWidth() >= ew - 1 && a.getWidth() <= ew
              && a.getHeight() >= eh - 1 && a.getHeight() <= eh;
      check(sizeOk && a.getNFrames() == nt && a.getBitDepth() == 32,
          mode + ": aligned " + a.getWidth() + "x" + a.getHeight() + " t=" + a.getNFrames()
              + " (expected " + ew + "x" + eh + ")");
      Calibration c = a.getCalibration();
      check(c.pixelWidth == 1.5 && c.getUnit().equals("nm") && c.frameInterval == 0.2,
          mode + ": calibration copied");
      check(r.crop[2] == a.getWidth() && r.crop[3] == a.getHeight(), mode + ": crop box");
      if (mode.equals("whole")) {
        float[] f0 = (float[]) a.getStack().getPixels(1);
        float[] fl = (float[]) a.getStack().getPixels(nt);
        check(java.util.Arrays.equals(f0, fl), "whole: first and last aligned frames identical");
      }
    }
    // a rectangular ROI around part of the texture
    imp.setRoi(new ij.gui.Roi(12, 12, 32, 28));
    AlignStack.Result rr = align(imp, "reference=frame upsample=10 apply=whole");
    check(rr != null && rr.usedRoi && Math.abs(rr.shiftX[nt - 1] + (nt - 1) * dx) <= 0.1
            && Math.abs(rr.shiftY[nt - 1] + (nt - 1) * dy) <= 0.1,
        "ROI + reference=frame recovers the shift");
    imp.deleteRoi();
    // 16-bit input
    ImagePlus s16 = imp.duplicate();
    new ij.process.StackConverter(s16).convertToGray16();
    AlignStack.Result r16 = align(s16, "apply=whole");
    check(r16 != null && Math.abs(r16.shiftY[nt - 1] + (nt - 1) * dy) <= 0.1,
        "16-bit stack aligned");
    // refusals: bad choice, bad upsample
    check(align(imp, "reference=foo") == null, "reference=foo refused");
    check(align(imp, "upsample=0") == null, "upsample=0 refused");
    check(align(imp, "apply=cubic") == null, "apply=cubic refused");
  }

  static void ttcfTest() throws InterruptedException {
    double tau = 2.0, dt = 0.25;
    SimulateStack.Result sim = simulate("frames=400 width=16 height=16 interval=" + dt
        + " pixel_size=1 tau_median=" + tau + " sigma=0 beta_min=1 beta_max=1 contrast=0.3"
        + " dose=0 map_correlation=0 seed=9");
    ImagePlus imp = sim.stack;
    imp.setTitle("sim_ttcf");
    ResultsTable.getResultsTable().reset();
    TwoTimeCorrelation.Result r = ttcf(imp, "frame_interval=0 bin_time=1 threads=2");
    check(r != null, "ttcf produced a result");
    if (r == null) return;
    ImagePlus g = r.ttcf;
    check(g.getWidth() == 400 && g.getHeight() == 400 && g.getBitDepth() == 32,
        "TTCF " + g.getWidth() + "x" + g.getHeight());
    Calibration c = g.getCalibration();
    check(Math.abs(c.pixelWidth - dt) < 1e-12 && Math.abs(c.pixelHeight - dt) < 1e-12
            && c.getUnit().equals("s"),
        "TTCF calibration " + c.pixelWidth + " x " + c.pixelHeight + " " + c.getUnit());
    float[] v = (float[]) g.getProcessor().getPixels();
    double asym = 0;
    for (int i = 0; i < 400; i++)
      for (int j = 0; j < i; j++) asym = Math.max(asym, Math.abs(v[i * 400 + j] - v[j * 400 + i]));
    check(asym <= 1e-6, "TTCF symmetric (max |G_ij - G_ji| = " + asym + ")");
    ResultsTable rt = ResultsTable.getResultsTable();
    check(rt.size() == 1, "one Results row");
    double fitTau = rt.getValue("tau_s", 0);
    check(Math.abs(fitTau / tau - 1) < 0.2, "tau_s=" + f(fitTau) + " (truth " + tau + ")");
    check(rt.getValue("fit_converged", 0) == 1, "fit converged");
    String verdict = rt.getStringValue("verdict", 0);
    check(verdict.equals("stationary") || verdict.equals("aging")
            || verdict.equals("accelerating") || verdict.equals("undetermined"),
        "verdict " + verdict + ", beta=" + f(rt.getValue("beta", 0)) + ", A="
            + f(rt.getValue("A", 0)));
    // time binning: N/2 bins of 2 dt
    TwoTimeCorrelation.Result r2 = ttcf(imp, "bin_time=2 normalize_pixels");
    check(r2 != null && r2.ttcf.getWidth() == 200
            && Math.abs(r2.ttcf.getCalibration().pixelWidth - 2 * dt) < 1e-12,
        "bin_time=2 -> 200 x 200, 0.5 s per bin");
    // a 1-pixel ROI: an error message, no result, no crash
    imp.setRoi(new ij.gui.Roi(3, 4, 1, 1));
    check(ttcf(imp, "bin_time=1") == null, "1-pixel ROI refused");
    imp.setRoi(new ij.gui.Roi(0, 0, 8, 8));
    TwoTimeCorrelation.Result r3 = ttcf(imp, "bin_time=1");
    check(r3 != null && r3.summary[ecm.fiji.EcmNative.T_PIXELS] == 64, "8x8 ROI uses 64 pixels");
    imp.deleteRoi();
    check(ttcf(imp, "bin_time=0") == null, "bin_time=0 refused");
    check(ttcf(imp, "bin_time=200") == null, "bin_time=200 (2 bins) refused");
  }
}
