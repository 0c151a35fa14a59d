package ecm.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.GenericDialog;
import ij.gui.Plot;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import ij.process.FloatProcessor;
import java.util.Locale;

/**
 * Plugins>ECM>Split / Sliding-Window Maps: relaxation maps of parts of the current series.
 * "halves": the first and second half (ecm_relax_split, as `ecm map --split`) with their
 * comparison in the table "ECM split"; "sliding": windows of `window` frames every `step`
 * frames (ecm_relax_windows, as `ecm map --window/--step`) as tau and beta hyperstacks (one
 * frame per window, frame interval step*dt) and the per-window table "ECM windows".
 */
public class SplitMaps implements PlugIn {
  static final String TITLE = "Split / Sliding-Window Maps";
  static final String[] MODES = {"halves", "sliding"};
  /** Titles of the result tables. */
  public static final String SPLIT_TABLE = "ECM split", WINDOWS_TABLE = "ECM windows";

  /** Parameters (the dialog's fields; macro keys in brackets). */
  public static final class Params extends G2Params {
    public String mode = "halves"; // [mode] halves | sliding
    public int window = 100; // [window] frames (sliding)
    public int step = 50; // [step] frames (sliding)
    public int threads = 0; // [threads] 0 = all cores
  }

  /** Outputs of one run (halves or windows are set, depending on the mode). */
  public static final class Result {
    public String mode;
    public int frames;
    public String timeUnit; // "s" or "frames"
    public double dtUsed; // frame interval in timeUnit (1 for frames)
    // halves
    public NativeStats.Halves halves;
    public ImagePlus tau1, tau2, beta1, beta2;
    // sliding windows
    public NativeStats.Windows windows;
    public ImagePlus tauStack, betaStack, ampStack;
    public Plot plot;
    /** "ECM split" (one row) or "ECM windows" (one row per window). */
    public ResultsTable table;
  }

  private Result last;

  /** The outputs of the last successful run (for tests and scripts), or null. */
  public Result getResult() {
    return last;
  }

  @Override
  public void run(String arg) {
    Util.runOnCurrentImage(TITLE, this::ask, SplitMaps::compute, SplitMaps::display, r -> last = r);
  }

  static String mode(String s) {
    for (String m : MODES)
      if (m.equalsIgnoreCase(s.trim())) return m;
    throw new EcmException(EcmException.EINVAL, "mode '" + s + "' is not one of halves, sliding");
  }

  /** The dialog (one macro line), or the macro options when headless. */
  Params ask(ImagePlus imp) {
    Settings st = new Settings("split");
    Params p = new Params();
    p.mode = mode(st.get("mode", "halves"));
    p.window = (int) st.get("window", 100.0);
    p.step = (int) st.get("step", 50.0);
    p.seed(st);
    p.threads = (int) st.get("threads", 0.0);
    if (Util.headless()) {
      Util.Options o = Util.Options.current();
      if (o.present()) {
        p.mode = mode(o.text("mode", "halves"));
        p.window = Util.toInt("window", o.number("window", 100), 0, Integer.MAX_VALUE);
        p.step = Util.toInt("step", o.number("step", 50), 0, Integer.MAX_VALUE);
        p.parse(o);
        p.threads = Util.toInt("threads", o.number("threads", 0), 0, 4096);
      }
      return p;
    }
    Calibration cal = imp.getCalibration();
    GenericDialog gd = new GenericDialog(TITLE);
    gd.addMessage("Image: " + imp.getTitle() + " (" + imp.getNFrames() + " frames, "
        + imp.getNSlices() + " slices); frame interval in Image>Properties: "
        + cal.frameInterval + " " + cal.getTimeUnit()
        + (imp.getRoi() != null && imp.getRoi().isArea() ? "\nOnly pixels inside the ROI are fitted."
                                                          : ""));
    gd.addChoice("Mode", MODES, p.mode);
    gd.addNumericField("Window (frames; sliding)", p.window, 0);
    gd.addNumericField("Step (frames; sliding)", p.step, 0);
    p.addFields(gd, "half of each part");
    gd.addNumericField("Threads (0 = all cores)", p.threads, 0);
    Help.add(gd, "split-maps");
    gd.showDialog();
    if (gd.wasCanceled()) return null;
    p.mode = mode(gd.getNextChoice());
    p.window = Util.toInt("window", gd.getNextNumber(), 0, Integer.MAX_VALUE);
    p.step = Util.toInt("step", gd.getNextNumber(), 0, Integer.MAX_VALUE);
    p.readFields(gd);
    p.threads = Util.toInt("threads", gd.getNextNumber(), 0, 4096);
    if (gd.invalidNumber())
      throw new EcmException(EcmException.EINVAL, "a field does not hold a number");
    st.set("mode", p.mode);
    st.set("window", p.window);
    st.set("step", p.step);
    p.remember(st);
    st.set("threads", p.threads);
    return p;
  }

  /** The computation: no dialog, no display. Throws EcmException for any refusal. */
  public static Result compute(ImagePlus imp, Params p, Progress progress) {
    boolean sliding = mode(p.mode).equals("sliding");
    Object[] slices = Util.timeSlices(imp, p.slicesAsTime,
        sliding ? "sliding-window maps" : "split maps", sliding ? 3 : 6);
    if (sliding) {
      if (p.window < 3)
        throw new EcmException(EcmException.EINVAL, "window must hold at least 3 frames (got "
            + p.window + ")");
      if (p.step < 1)
        throw new EcmException(EcmException.EINVAL, "step must be at least 1 frame (got "
            + p.step + ")");
      if (p.window > slices.length)
        throw new EcmException(EcmException.EINVAL, "window=" + p.window + " frames is longer"
            + " than the series of '" + imp.getTitle() + "' (" + slices.length + " frames)");
    }
    byte[] mask = Util.roiMaskChecked(imp);
    Calibration cal = imp.getCalibration();
    Util.TimeAxis axis = Util.timeAxis(imp, p.frameInterval);
    double dt = axis.dt;
    String unit = axis.unit;
    int w = imp.getWidth(), h = imp.getHeight();
    IJ.log(TITLE + ": " + imp.getTitle() + ", " + slices.length + " frames of " + w + " x " + h
        + ", mode=" + (sliding ? "sliding, window=" + p.window + ", step=" + p.step : "halves")
        + ", frame interval " + (dt > 0 ? Util.fmt(dt) + " " + unit : "unknown (lags in frames)")
        + ", points_per_decade=" + Util.fmt(p.pointsPerDecade) + ", max_lag=" + p.maxLag
        + ", bias_correction=" + p.biasCorrection + ", no_decay_dchi2="
        + Util.fmt(p.noDecayDchi2) + ", unresolved=" + Util.fmt(p.unresolvedFrac)
        + ", threads=" + p.threads
        + (mask != null ? ", ROI of " + Util.count(mask) + " pixels" : ""));
    long t0 = System.nanoTime();
    Result r = new Result();
    r.mode = sliding ? "sliding" : "halves";
    r.frames = slices.length;
    String base = imp.getShortTitle();
    if (!sliding) {
      NativeStats.Halves hv = NativeStats.split(slices, w, h, dt, unit, p.pointsPerDecade,
          p.maxLag, p.biasCorrection, p.noDecayDchi2, p.unresolvedFrac, p.threads, progress,
          mask);
      r.halves = hv;
      boolean seconds = hv.info[NativeStats.SP_SECONDS] != 0;
      r.timeUnit = seconds ? "s" : "frames";
      r.dtUsed = seconds ? hv.info[NativeStats.SP_DT] : 1;
      r.tau1 = map(base + "_half1_tau", hv.tau[0], w, h, cal, r.timeUnit);
      r.tau2 = map(base + "_half2_tau", hv.tau[1], w, h, cal, r.timeUnit);
      r.beta1 = map(base + "_half1_beta", hv.beta[0], w, h, cal, "");
      r.beta2 = map(base + "_half2_beta", hv.beta[1], w, h, cal, "");
      r.table = splitTable(imp.getTitle(), r);
      double[] s = hv.info;
      IJ.log(TITLE + ": " + (long) s[NativeStats.SP_NT] + " frames per half, "
          + (long) s[NativeStats.SP_N_BOTH] + " pixels converged in both; tau_med "
          + Util.fmt(s[NativeStats.SP_TAU_MED0]) + " and " + Util.fmt(s[NativeStats.SP_TAU_MED1])
          + " " + r.timeUnit + ", Spearman " + Util.fmt(s[NativeStats.SP_SPEARMAN])
          + ", Pearson(ln tau) " + Util.fmt(s[NativeStats.SP_PEARSON]) + " ["
          + Util.fmt(s[NativeStats.SP_PEARSON_LO]) + ", " + Util.fmt(s[NativeStats.SP_PEARSON_HI])
          + "], median tau2/tau1 " + Util.fmt(s[NativeStats.SP_RATIO_MEDIAN]) + "; "
          + String.format(Locale.ROOT, "%.3f", (System.nanoTime() - t0) * 1e-9) + " s");
    } else {
      NativeStats.Windows wm = NativeStats.windows(slices, w, h, dt, unit, p.pointsPerDecade,
          p.maxLag, p.biasCorrection, p.noDecayDchi2, p.unresolvedFrac, p.threads, progress,
          mask, p.window, p.step);
      r.windows = wm;
      r.timeUnit = wm.seconds ? "s" : "frames";
      r.dtUsed = wm.seconds ? wm.dt : 1;
      r.tauStack = stack(base + "_windows_tau", wm.tau, wm, w, h, cal, r.timeUnit);
      r.betaStack = stack(base + "_windows_beta", wm.beta, wm, w, h, cal, "");
      r.ampStack = stack(base + "_windows_A", wm.amp, wm, w, h, cal, "");
      r.table = windowsTable(imp.getTitle(), r);
      r.plot = windowsPlot(base, r);
      IJ.log(TITLE + ": " + wm.nWindows + " windows of " + wm.length + " frames every "
          + wm.step + " frames; tau_med from " + Util.fmt(wm.rows[0][NativeStats.W_TAU_MED])
          + " to " + Util.fmt(wm.rows[wm.nWindows - 1][NativeStats.W_TAU_MED]) + " "
          + r.timeUnit + "; "
          + String.format(Locale.ROOT, "%.3f", (System.nanoTime() - t0) * 1e-9) + " s");
    }
    return r;
  }

  private static ImagePlus map(String title, float[] v, int w, int h, Calibration cal,
      String valueUnit) {
    ImagePlus out = new ImagePlus(title, new FloatProcessor(w, h, v, null));
    Calibration c = cal.copy();
    c.setValueUnit(valueUnit);
    out.setCalibration(c);
    out.getProcessor().resetMinAndMax();
    return out;
  }

  /** One frame per window; frame interval step*dt, so the time axis is the window start. */
  private static ImagePlus stack(String title, float[] planes, NativeStats.Windows wm, int w,
      int h, Calibration cal, String valueUnit) {
    int n = w * h;
    ImageStack st = new ImageStack(w, h);
    for (int k = 0; k < wm.nWindows; k++) {
      float[] f = new float[n];
      System.arraycopy(planes, k * n, f, 0, n);
      st.addSlice(String.format(Locale.ROOT, "window %d (frames %d-%d)", k + 1,
                      k * wm.step + 1, k * wm.step + wm.length),
          new FloatProcessor(w, h, f, null));
    }
    ImagePlus out = new ImagePlus(title, st);
    out.setDimensions(1, 1, wm.nWindows);
    if (wm.nWindows > 1) out.setOpenAsHyperStack(true);
    Calibration c = cal.copy();
    c.setValueUnit(valueUnit);
    c.frameInterval = wm.step * (wm.seconds ? wm.dt : 1);
    c.setTimeUnit(wm.seconds ? "s" : "frame");
    out.setCalibration(c);
    return out;
  }

  static ResultsTable splitTable(String title, Result r) {
    double[] s = r.halves.info;
    String u = r.timeUnit.equals("s") ? "_s" : "_frames";
    ResultsTable rt = new ResultsTable();
    rt.setPrecision(9);
    rt.incrementCounter();
    rt.addValue("image", title);
    rt.addValue("frames", r.frames);
    rt.addValue("frames_per_half", s[NativeStats.SP_NT]);
    rt.addValue("half2_first_frame", s[NativeStats.SP_FIRST1] + 1);
    rt.addValue("dt" + u, r.dtUsed);
    rt.addValue("n_converged_half1", r.halves.count(0, 0));
    rt.addValue("n_converged_half2", r.halves.count(1, 0));
    rt.addValue("pixels_both", s[NativeStats.SP_N_BOTH]);
    rt.addValue("tau_med_half1" + u, s[NativeStats.SP_TAU_MED0]);
    rt.addValue("tau_med_half2" + u, s[NativeStats.SP_TAU_MED1]);
    rt.addValue("lntau_sd_half1", s[NativeStats.SP_LNTAU_SD0]);
    rt.addValue("lntau_sd_half2", s[NativeStats.SP_LNTAU_SD1]);
    rt.addValue("pearson_lntau", s[NativeStats.SP_PEARSON]);
    rt.addValue("pearson_lo", s[NativeStats.SP_PEARSON_LO]);
    rt.addValue("pearson_hi", s[NativeStats.SP_PEARSON_HI]);
    rt.addValue("pearson_null_sd", s[NativeStats.SP_NULL_SD]);
    rt.addValue("spearman_tau", s[NativeStats.SP_SPEARMAN]);
    rt.addValue("pearson_beta", s[NativeStats.SP_PEARSON_BETA]);
    rt.addValue("ratio_median", s[NativeStats.SP_RATIO_MEDIAN]);
    rt.addValue("lnratio_sd", s[NativeStats.SP_LNRATIO_SD]);
    rt.addValue("lnratio_sd_robust", s[NativeStats.SP_LNRATIO_SD_ROBUST]);
    rt.addValue("lnratio_sd_expected", s[NativeStats.SP_LNRATIO_SD_EXPECTED]);
    return rt;
  }

  static ResultsTable windowsTable(String title, Result r) {
    NativeStats.Windows wm = r.windows;
    String u = r.timeUnit.equals("s") ? "_s" : "_frames";
    ResultsTable rt = new ResultsTable();
    rt.setPrecision(9);
    for (int k = 0; k < wm.nWindows; k++) {
      double[] row = wm.rows[k];
      rt.incrementCounter();
      rt.addValue("image", title);
      rt.addValue("window", k + 1);
      rt.addValue("first_frame", row[NativeStats.W_FIRST] + 1);
      rt.addValue("frames", wm.length);
      rt.addValue("t_start" + u, row[NativeStats.W_T_START]);
      rt.addValue("t_center" + u, row[NativeStats.W_T_CENTER]);
      rt.addValue("tau_med" + u, row[NativeStats.W_TAU_MED]);
      rt.addValue("sigma", row[NativeStats.W_TAU_SIGMA]);
      rt.addValue("beta_mean", row[NativeStats.W_BETA_MEAN]);
      rt.addValue("converged_fraction", row[NativeStats.W_CONV_FRACTION]);
      rt.addValue("n_pixels", row[NativeStats.W_N_PIXELS]);
      rt.addValue("n_converged", row[NativeStats.W_N_CONVERGED]);
      rt.addValue("n_no_decay", row[NativeStats.W_COUNT0 + 5]);
    }
    return rt;
  }

  /** tau_med of each window against its centre time. */
  static Plot windowsPlot(String base, Result r) {
    NativeStats.Windows wm = r.windows;
    double[] t = new double[wm.nWindows], tau = new double[wm.nWindows];
    for (int k = 0; k < wm.nWindows; k++) {
      t[k] = wm.rows[k][NativeStats.W_T_CENTER];
      tau[k] = wm.rows[k][NativeStats.W_TAU_MED];
    }
    Plot plot = new Plot(base + " tau_med per window", "window centre (" + r.timeUnit + ")",
        "tau_med (" + r.timeUnit + ")");
    plot.add("connected circle", t, tau);
    plot.setLimitsToFit(false);
    return plot;
  }

  /** Show the maps (perceptual LUT, calibration bar), the table and, for windows, the plot. */
  static void display(ImagePlus imp, Result r) {
    if (r.halves != null) {
      styleTogether(r.tau1, r.tau2, "tau (" + r.timeUnit + ")");
      styleTogether(r.beta1, r.beta2, "beta");
      for (ImagePlus m : new ImagePlus[] {r.beta2, r.beta1, r.tau2, r.tau1}) Util.show(m);
    } else {
      styleStack(r.betaStack, "beta");
      styleStack(r.tauStack, "tau (" + r.timeUnit + ")");
      if (!Util.headless()) r.plot.show();
      Util.show(r.betaStack);
      Util.show(r.tauStack);
    }
    if (!Util.headless())
      r.table.show(r.halves != null ? SPLIT_TABLE : WINDOWS_TABLE);
  }

  /** The two halves with one display range (the union of their robust ranges). */
  static void styleTogether(ImagePlus a, ImagePlus b, String label) {
    MapDisplay.style(a, label);
    MapDisplay.style(b, label);
    double lo = Math.min(a.getProcessor().getMin(), b.getProcessor().getMin());
    double hi = Math.max(a.getProcessor().getMax(), b.getProcessor().getMax());
    for (ImagePlus m : new ImagePlus[] {a, b}) {
      m.getProcessor().setMinAndMax(lo, hi);
      MapDisplay.addCalibrationBar(m, label);
    }
  }

  /** A window stack: perceptual LUT, robust range over all windows, calibration bar. */
  static void styleStack(ImagePlus s, String label) {
    ImageStack st = s.getStack();
    int n = s.getWidth() * s.getHeight();
    float[] all = new float[n * st.getSize()];
    for (int k = 1; k <= st.getSize(); k++)
      System.arraycopy((float[]) st.getPixels(k), 0, all, (k - 1) * n, n);
    s.setLut(MapDisplay.perceptualLut());
    double[] range = MapDisplay.robustRange(all);
    s.setDisplayRange(range[0], range[1]);
    MapDisplay.addCalibrationBar(s, label);
  }
}
