// Split / Sliding-Window Maps (ecm.fiji.SplitMaps) driven as a macro would, headless.
// Checks: both halves' tau_med near the simulated truth; each half's maps equal
// EcmNative.relaxMap of that frame range bit for bit; the comparison numbers equal an
// independent recomputation from those maps (Pearson, Spearman with mid-ranks, median ratio,
// tau_med); sliding windows: count floor((N-W)/S)+1, each window's maps equal relaxMap of
// its frames, times and calibration; ROI; refusals; cancel.
import ecm.fiji.EcmException;
import ecm.fiji.EcmNative;
import ecm.fiji.NativeStats;
import ecm.fiji.Progress;
import ecm.fiji.SimulateStack;
import ecm.fiji.SplitMaps;
import ij.ImagePlus;
import ij.WindowManager;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import java.util.Arrays;

public class Mode_split {
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

  static Object[] slices(ImagePlus imp) {
    Object[] s = new Object[imp.getNFrames()];
    for (int t = 0; t < s.length; t++) s[t] = imp.getStack().getPixels(imp.getStackIndex(1, 1, t + 1));
    return s;
  }

  /** relaxMap of frames [from, to) with the command's defaults; returns {tau, beta, status}. */
  static float[][] reference(Object[] all, int from, int to, int w, int h, double dt,
      byte[] mask) {
    int n = w * h;
    float[] tau = new float[n], beta = new float[n], a = new float[n], c = new float[n],
        st = new float[n];
    EcmNative.relaxMap(Arrays.copyOfRange(all, from, to), w, h, dt, "s", 10, 0, true, 6, 0.1, 2, null,
        mask, tau, beta, a, c, st);
    return new float[][] {tau, beta, st};
  }

  static double pearson(double[] x, double[] y, int n) {
    double mx = 0, my = 0;
    for (int i = 0; i < n; i++) {
      mx += x[i];
      my += y[i];
    }
    mx /= n;
    my /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / Math.sqrt(sxx * syy);
  }

  static double[] midRanks(double[] x, int n) {
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) idx[i] = i;
    Arrays.sort(idx, (a, b) -> Double.compare(x[a], x[b]));
    double[] r = new double[n];
    for (int a = 0; a < n;) {
      int b = a + 1;
      while (b < n && x[idx[b]] == x[idx[a]]) b++;
      double m = 0.5 * (a + 1 + b);
      for (int k = a; k < b; k++) r[idx[k]] = m;
      a = b;
    }
    return r;
  }

  static boolean close(double a, double b, double rel) {
    return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + 1e-15;
  }

  public static void run() throws InterruptedException {
    int w = 16, h = 16, N = 801;
    double dt = 0.5;
    SimulateStack.Result sim = FijiDriver.simulate("frames=" + N + " width=" + w + " height="
        + h + " interval=" + dt + " pixel_size=2 tau_median=2"
        + " sigma=0.8 beta_min=1 beta_max=1 contrast=0.3 dose=0 map_correlation=3 seed=21");
    check(sim != null, "simulated stack");
    if (sim == null) return;
    // the truth: exp(mean ln tau) of the simulated tau map
    double lsum = 0;
    float[] truth = (float[]) sim.truthTau.getProcessor().getPixels();
    for (float v : truth) lsum += Math.log(v);
    double tauTruth = Math.exp(lsum / truth.length);
    ImagePlus imp = sim.stack;
    imp.setTitle("sim_split");
    Object[] all = slices(imp);

    // ---- halves ----
    SplitMaps.Result r = split(imp, "mode=halves frame_interval=0 points_per_decade=10 max_lag=0"
        + " bias_correction threads=2");
    check(r != null && r.halves != null, "halves: result");
    if (r == null || r.halves == null) return;
    double[] s = r.halves.info;
    int half = N / 2;
    check(s[NativeStats.SP_NT] == half && s[NativeStats.SP_FIRST1] == half,
        "halves: " + half + " frames each, odd last frame dropped");
    double t1 = s[NativeStats.SP_TAU_MED0], t2 = s[NativeStats.SP_TAU_MED1];
    check(t1 > 0.7 * tauTruth && t1 < 1.3 * tauTruth && t2 > 0.7 * tauTruth
            && t2 < 1.3 * tauTruth,
        "halves: tau_med " + f(t1) + " and " + f(t2) + " s (truth " + tauTruth + ")");
    float[][] ref1 = reference(all, 0, half, w, h, dt, null);
    float[][] ref2 = reference(all, half, 2 * half, w, h, dt, null);
    check(Arrays.equals(ref1[0], r.halves.tau[0]) && Arrays.equals(ref1[1], r.halves.beta[0])
            && Arrays.equals(ref1[2], r.halves.status[0]),
        "halves: first-half maps == relaxMap(frames 1.." + half + ") exactly");
    check(Arrays.equals(ref2[0], r.halves.tau[1]) && Arrays.equals(ref2[1], r.halves.beta[1])
            && Arrays.equals(ref2[2], r.halves.status[1]),
        "halves: second-half maps == relaxMap(frames " + (half + 1) + ".." + 2 * half
            + ") exactly");
    // the comparison, recomputed independently from the two maps
    int np = w * h, n = 0;
    double[] l1 = new double[np], l2 = new double[np], b1 = new double[np], b2 = new double[np],
        d = new double[np];
    for (int i = 0; i < np; i++) {
      boolean ok = ref1[2][i] == 0 && ref2[2][i] == 0 && ref1[0][i] > 0 && ref2[0][i] > 0
          && !Float.isNaN(ref1[1][i]) && !Float.isNaN(ref2[1][i])
          && !Float.isInfinite(ref1[0][i]) && !Float.isInfinite(ref2[0][i]);
      if (!ok) continue;
      l1[n] = Math.log(ref1[0][i]);
      l2[n] = Math.log(ref2[0][i]);
      b1[n] = ref1[1][i];
      b2[n] = ref2[1][i];
      d[n] = l2[n] - l1[n];
      n++;
    }
    check(n == (int) s[NativeStats.SP_N_BOTH] && n > np / 2,
        "halves: pixels converged in both = " + n + " (core " + f(s[NativeStats.SP_N_BOTH]) + ")");
    double pr = pearson(l1, l2, n), sp = pearson(midRanks(l1, n), midRanks(l2, n), n),
        pb = pearson(b1, b2, n);
    double[] ds = Arrays.copyOf(d, n);
    Arrays.sort(ds);
    double ratio = n % 2 == 1 ? Math.exp(ds[n / 2])
                              : 0.5 * (Math.exp(ds[n / 2 - 1]) + Math.exp(ds[n / 2]));
    double m1 = 0, m2 = 0;
    for (int i = 0; i < n; i++) {
      m1 += l1[i];
      m2 += l2[i];
    }
    check(close(pr, s[NativeStats.SP_PEARSON], 1e-9),
        "halves: pearson_lntau " + f(s[NativeStats.SP_PEARSON]) + " == recomputed " + f(pr));
    check(close(sp, s[NativeStats.SP_SPEARMAN], 1e-9),
        "halves: spearman_tau " + f(s[NativeStats.SP_SPEARMAN]) + " == recomputed " + f(sp));
    check(close(pb, s[NativeStats.SP_PEARSON_BETA], 1e-9) || (Double.isNaN(pb)
              && Double.isNaN(s[NativeStats.SP_PEARSON_BETA])),
        "halves: pearson_beta " + f(s[NativeStats.SP_PEARSON_BETA]) + " == recomputed " + f(pb));
    check(close(ratio, s[NativeStats.SP_RATIO_MEDIAN], 1e-12),
        "halves: ratio_median " + f(s[NativeStats.SP_RATIO_MEDIAN]) + " == recomputed "
            + f(ratio));
    check(close(Math.exp(m1 / n), t1, 1e-9) && close(Math.exp(m2 / n), t2, 1e-9),
        "halves: tau_med of each half == exp(mean ln tau) over the common pixels");
    check(close(s[NativeStats.SP_NULL_SD], 1 / Math.sqrt(n - 1), 1e-12),
        "halves: pearson_null_sd = 1/sqrt(n-1)");
    double z = 0.5 * Math.log((1 + pr) / (1 - pr)), se = 1 / Math.sqrt(n - 3);
    check(close(Math.tanh(z - 1.96 * se), s[NativeStats.SP_PEARSON_LO], 1e-9)
            && close(Math.tanh(z + 1.96 * se), s[NativeStats.SP_PEARSON_HI], 1e-9),
        "halves: Fisher-z interval [" + f(s[NativeStats.SP_PEARSON_LO]) + ", "
            + f(s[NativeStats.SP_PEARSON_HI]) + "]");
    // correlated truth map (map_correlation=3, sigma 0.8): domains persist
    check(sp > 0.4, "halves: persistent domains give spearman " + f(sp) + " > 0.4");
    // the table
    ResultsTable rt = r.table;
    check(rt != null && rt.size() == 1 && rt.getValue("spearman_tau", 0) == s[NativeStats.SP_SPEARMAN]
            && rt.getValue("tau_med_half1_s", 0) == t1 && rt.getValue("frames_per_half", 0) == half
            && rt.getValue("half2_first_frame", 0) == half + 1
            && rt.getStringValue("image", 0).equals("sim_split"),
        "halves: table '" + SplitMaps.SPLIT_TABLE + "' row");
    String row = rt.getRowAsString(0);
    check(row.matches(".*\\d\\.\\d{6,}.*"), "halves: table precision >= 6 decimals");
    Calibration c = r.tau1.getCalibration();
    check(r.tau1.getBitDepth() == 32 && c.pixelWidth == 2 && c.getUnit().equals("nm")
            && "s".equals(c.getValueUnit()) && r.beta2.getCalibration().pixelWidth == 2,
        "halves: maps 32-bit, calibrated (px " + c.pixelWidth + " " + c.getUnit() + ", value "
            + c.getValueUnit() + ")");
    check(r.tau1.getProcessor().getMin() == r.tau2.getProcessor().getMin()
            && r.tau1.getProcessor().getMax() == r.tau2.getProcessor().getMax()
            && r.tau1.getProcessor().getLut().getRGB(255)
                == ecm.fiji.MapDisplay.perceptualLut().getRGB(255),
        "halves: common display range and the perceptual LUT (16 x 16 maps: too small for a"
            + " calibration bar)");
    System.out.println("ECM value split n_both=" + n + " pearson=" + f(pr) + " spearman=" + f(sp)
        + " ratio=" + f(ratio) + " tau_med=" + f(t1) + "," + f(t2) + " lnratio_sd_robust="
        + f(s[NativeStats.SP_LNRATIO_SD_ROBUST]) + " expected="
        + f(s[NativeStats.SP_LNRATIO_SD_EXPECTED]));

    // ---- sliding windows ----
    int W = 200, S = 120;
    SplitMaps.Result rw = split(imp, "mode=sliding window=" + W + " step=" + S
        + " bias_correction threads=2");
    check(rw != null && rw.windows != null, "sliding: result");
    if (rw == null || rw.windows == null) return;
    NativeStats.Windows wm = rw.windows;
    int nw = (N - W) / S + 1;
    check(wm.nWindows == nw && rw.tauStack.getNFrames() == nw && rw.betaStack.getNFrames() == nw
            && rw.tauStack.getNSlices() == 1 && rw.tauStack.getBitDepth() == 32,
        "sliding: " + wm.nWindows + " windows = floor((N-W)/S)+1 = " + nw + ", stacks of " + nw
            + " frames");
    Calibration wc = rw.tauStack.getCalibration();
    check(close(wc.frameInterval, S * dt, 1e-12) && wc.getTimeUnit().equals("s")
            && wc.pixelWidth == 2 && wc.getUnit().equals("nm") && "s".equals(wc.getValueUnit()),
        "sliding: stack frame interval " + wc.frameInterval + " " + wc.getTimeUnit()
            + " (= step*dt), pixel " + wc.pixelWidth + " " + wc.getUnit());
    boolean same = true, times = true;
    double tmLo = 1e9, tmHi = 0;
    for (int k = 0; k < nw; k++) {
      float[][] ref = reference(all, k * S, k * S + W, w, h, dt, null);
      float[] tk = (float[]) rw.tauStack.getStack().getPixels(k + 1);
      float[] bk = (float[]) rw.betaStack.getStack().getPixels(k + 1);
      same &= Arrays.equals(ref[0], tk) && Arrays.equals(ref[1], bk);
      double[] row2 = wm.rows[k];
      times &= row2[NativeStats.W_FIRST] == k * S
          && close(row2[NativeStats.W_T_START], k * S * dt, 1e-12)
          && close(row2[NativeStats.W_T_CENTER], (k * S + (W - 1) / 2.0) * dt, 1e-12);
      tmLo = Math.min(tmLo, row2[NativeStats.W_TAU_MED]);
      tmHi = Math.max(tmHi, row2[NativeStats.W_TAU_MED]);
    }
    check(same, "sliding: every window's tau and beta == relaxMap(frames [kS, kS+W)) exactly");
    check(times, "sliding: first frame, t_start = kS dt, t_center = (kS + (W-1)/2) dt");
    check(tmLo > 0.6 * tauTruth && tmHi < 1.4 * tauTruth,
        "sliding: tau_med per window in [" + f(tmLo) + ", " + f(tmHi) + "] s (truth " + tauTruth
            + ")");
    ResultsTable wt = rw.table;
    check(wt.size() == nw && wt.getValue("window", nw - 1) == nw
            && wt.getValue("first_frame", 1) == S + 1
            && wt.getValue("tau_med_s", 2) == wm.rows[2][NativeStats.W_TAU_MED]
            && wt.getColumnIndex("sigma") >= 0 && wt.getColumnIndex("beta_mean") >= 0
            && wt.getColumnIndex("converged_fraction") >= 0
            && wt.getColumnIndex("t_center_s") >= 0,
        "sliding: table '" + SplitMaps.WINDOWS_TABLE + "' with one row per window");
    check(rw.plot != null && rw.plot.getImagePlus() != null, "sliding: tau_med plot renders");

    // ROI: only its pixels are fitted
    imp.setRoi(new ij.gui.Roi(2, 3, 4, 5));
    SplitMaps.Result rr = split(imp, "mode=sliding window=400 step=400 bias_correction");
    check(rr != null && rr.windows.nWindows == 2
            && rr.windows.rows[0][NativeStats.W_N_PIXELS] == 20,
        "sliding with a 4x5 ROI: 2 windows of 20 pixels");
    SplitMaps.Result rh = split(imp, "mode=halves bias_correction");
    check(rh != null && rh.halves.count(0, 4) == w * h - 20,
        "halves with a ROI: the other pixels are 'masked'");
    imp.setRoi(new ij.gui.Roi(50, 50, 4, 4));
    check(split(imp, "mode=halves") == null, "ROI outside the image refused");
    imp.deleteRoi();

    // uncalibrated: times in frames
    ImagePlus unc = imp.duplicate();
    unc.setCalibration(new Calibration());
    unc.setTitle("uncal");
    SplitMaps.Result ru = split(unc, "mode=sliding window=200 step=200 bias_correction");
    check(ru != null && "frames".equals(ru.timeUnit) && ru.table.getColumnIndex("tau_med_frames") >= 0
            && ru.tauStack.getCalibration().frameInterval == 200,
        "uncalibrated: tau in frames, stack frame interval = step frames");

    // ---- refusals ----
    check(split(imp, "mode=sliding window=900 step=10") == null, "window > N refused");
    check(split(imp, "mode=sliding window=100 step=0") == null, "step=0 refused");
    check(split(imp, "mode=sliding window=2 step=1") == null, "window=2 refused");
    check(split(imp, "mode=sliding window=-5 step=1") == null, "window=-5 refused");
    check(split(imp, "mode=sliding window=10.5 step=1") == null, "window=10.5 refused");
    check(split(imp, "mode=quarters") == null, "mode=quarters refused");
    check(split(imp, "mode=halves points_per_decade=-1") == null, "points_per_decade=-1 refused");
    check(split(imp, "mode=halves frame_interval=-1") == null, "frame_interval=-1 refused");
    check(split(imp, "mode=halves threads=NaN") == null, "threads=NaN refused");
    ImagePlus one = new ImagePlus("one", new FloatProcessor(8, 8));
    check(split(one, "mode=halves") == null, "1-frame image refused");
    ij.ImageStack five = new ij.ImageStack(8, 8);
    for (int i = 0; i < 5; i++) five.addSlice(new FloatProcessor(8, 8));
    ImagePlus fiveImp = new ImagePlus("five", five);
    fiveImp.setDimensions(1, 1, 5);
    check(split(fiveImp, "mode=halves") == null, "5 frames refused for halves (3 per half)");
    ij.ImageStack rgb = new ij.ImageStack(8, 8);
    for (int i = 0; i < 8; i++) rgb.addSlice(new ColorProcessor(8, 8));
    ImagePlus rgbImp = new ImagePlus("rgb", rgb);
    rgbImp.setDimensions(1, 1, 8);
    check(split(rgbImp, "mode=halves") == null, "RGB stack refused");
    final SplitMaps none = new SplitMaps();
    FijiDriver.asMacro("mode=halves", new Runnable() {
      public void run() {
        WindowManager.setTempCurrentImage(null);
        none.run("");
      }
    });
    check(none.getResult() == null, "no image open refused");
    // cancel from the progress callback, and a raw native call with bad arguments
    Progress cancel = new Progress() {
      public boolean update(double fr, String stage) {
        return true;
      }
    };
    try {
      NativeStats.split(all, w, h, dt, "s", 10, 0, true, 6, 0.1, 1, cancel, null);
      check(false, "cancel halves: no exception");
    } catch (EcmException e) {
      check(e.isCancel(), "cancel halves -> EcmException code " + e.getCode());
    }
    try {
      NativeStats.windows(all, w, h, dt, "s", 10, 0, true, 6, 0.1, 1, cancel, null, 100, 50);
      check(false, "cancel windows: no exception");
    } catch (EcmException e) {
      check(e.isCancel(), "cancel windows -> EcmException code " + e.getCode());
    }
    try {
      NativeStats.windows(all, w, h, dt, "s", 10, 0, true, 6, 0.1, 1, null, null, 3, Integer.MAX_VALUE);
      check(true, "step larger than the series: one window");
    } catch (EcmException e) {
      check(false, "huge step: " + e.getMessage());
    }
    try {
      NativeStats.split(new Object[] {new float[4], new float[3], new float[4], new float[4],
                            new float[4], new float[4]},
          2, 2, 0, "s", 10, 0, true, 6, 0.1, 1, null, null);
      check(false, "short slice: no exception");
    } catch (EcmException e) {
      check(true, "short slice refused: " + e.getMessage());
    }
  }
}
