package ecm.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.GenericDialog;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import ij.process.FloatProcessor;

/**
 * Plugins>ECM>Two-Time Correlation: G(t1, t2) (ecm_ttcf_compute) over the pixels of the
 * current stack (or its ROI) as an N x N 32-bit image with both axes in seconds, and the
 * one-time KWW fit and stationarity verdict (ecm_ttcf_analysis_create) as a row of the
 * system Results table.
 */
public class TwoTimeCorrelation implements PlugIn {
  static final String TITLE = "Two-Time Correlation";

  /** Parameters (the dialog's fields; macro keys in brackets). */
  public static final class Params {
    public double frameInterval = 0; // [frame_interval] s; 0 = from Image>Properties
    public int binTime = 1; // [bin_time] frames summed per time bin
    public boolean normalizePixels = false; // [normalize_pixels]
    public boolean slicesAsTime = true; // [slices_as_time]
    public int threads = 0; // [threads] 0 = all cores
  }

  /** Outputs of one run. */
  public static final class Result {
    public ImagePlus ttcf;
    public double[] summary;
    public String timeUnit; // "s" or "frames"
    public double binDt; // time per bin in timeUnit
    public int frames;
    public int binTime;
  }

  private static final Params remembered = new Params();
  private Result last;

  /** The outputs of the last successful run (for tests and scripts), or null. */
  public Result getResult() {
    return last;
  }

  @Override
  public void run(String arg) {
    Util.runOnCurrentImage(TITLE, this::ask, TwoTimeCorrelation::compute, TwoTimeCorrelation::display, r -> last = r);
  }

  /** The dialog (records one macro line), or the macro options when headless. */
  Params ask(ImagePlus imp) {
    Params p = new Params();
    synchronized (remembered) {
      p.frameInterval = remembered.frameInterval;
      p.binTime = remembered.binTime;
      p.normalizePixels = remembered.normalizePixels;
      p.slicesAsTime = remembered.slicesAsTime;
      p.threads = remembered.threads;
    }
    if (Util.headless()) {
      Util.Options o = Util.Options.current();
      if (o.present()) {
        p.frameInterval = o.number("frame_interval", 0);
        p.binTime = Util.toInt("bin_time", o.number("bin_time", 1), 1, Integer.MAX_VALUE);
        p.normalizePixels = o.flag("normalize_pixels", false);
        p.slicesAsTime = o.flag("slices_as_time", false);
        p.threads = Util.toInt("threads", o.number("threads", 0), 0, 4096);
      }
      return p;
    }
    Calibration cal = imp.getCalibration();
    GenericDialog gd = new GenericDialog(TITLE);
    gd.addMessage("Image: " + imp.getTitle() + " (" + imp.getNFrames() + " frames, "
        + imp.getNSlices() + " slices); frame interval in Image>Properties: "
        + cal.frameInterval + " " + cal.getTimeUnit()
        + (Util.roiMask(imp) != null ? "; pixels inside the ROI" : "; all pixels"));
    gd.addNumericField("Frame_interval (s; 0 = from image)", p.frameInterval, 6);
    gd.addNumericField("Bin_time (frames per time bin)", p.binTime, 0);
    gd.addCheckbox("Normalize_pixels (divide each pixel by its time mean)", p.normalizePixels);
    gd.addCheckbox("Slices_as_time (for a stack of Z-slices with 1 frame)", p.slicesAsTime);
    gd.addNumericField("Threads (0 = all cores)", p.threads, 0);
    gd.showDialog();
    if (gd.wasCanceled()) return null;
    p.frameInterval = gd.getNextNumber();
    p.binTime = Util.toInt("bin_time", gd.getNextNumber(), 1, Integer.MAX_VALUE);
    p.normalizePixels = gd.getNextBoolean();
    p.slicesAsTime = gd.getNextBoolean();
    p.threads = Util.toInt("threads", gd.getNextNumber(), 0, 4096);
    if (gd.invalidNumber())
      throw new EcmException(EcmException.EINVAL, "a field does not hold a number");
    synchronized (remembered) {
      remembered.frameInterval = p.frameInterval;
      remembered.binTime = p.binTime;
      remembered.normalizePixels = p.normalizePixels;
      remembered.slicesAsTime = p.slicesAsTime;
      remembered.threads = p.threads;
    }
    return p;
  }

  /** The computation: no dialog, no display. Throws EcmException for any refusal. */
  public static Result compute(ImagePlus imp, Params p, Progress progress) {
    Object[] slices = Util.timeSlices(imp, p.slicesAsTime, "two-time correlation", 3);
    Calibration cal = imp.getCalibration();
    double dt;
    String unit;
    if (p.frameInterval > 0) {
      dt = p.frameInterval;
      unit = "s";
    } else if (p.frameInterval == 0) {
      dt = cal.frameInterval;
      unit = cal.getTimeUnit();
    } else {
      throw new EcmException(EcmException.EINVAL, "frame interval must be >= 0");
    }
    int w = imp.getWidth(), h = imp.getHeight();
    byte[] mask = Util.roiMask(imp);
    IJ.log(TITLE + ": " + imp.getTitle() + ", " + slices.length + " frames of " + w + " x " + h
        + ", frame interval " + (dt > 0 ? Util.fmt(dt) + " " + unit : "unknown (times in frames)")
        + ", bin_time=" + p.binTime + ", normalize_pixels=" + p.normalizePixels + ", roi="
        + (mask == null ? "none" : Util.count(mask) + " px") + ", threads=" + p.threads);
    long t0 = System.nanoTime();
    EcmNative.TtcfResult t = EcmNative.ttcf(slices, w, h, dt, unit, p.binTime,
        p.normalizePixels, mask, p.threads, progress);
    double secs = (System.nanoTime() - t0) * 1e-9;
    double[] s = t.summary;
    Result r = new Result();
    r.summary = s;
    r.frames = slices.length;
    r.binTime = p.binTime;
    boolean seconds = s[EcmNative.T_DT_S] > 0;
    r.timeUnit = seconds ? "s" : "frames";
    r.binDt = seconds ? s[EcmNative.T_DT_S] : p.binTime;
    ImagePlus g = new ImagePlus(imp.getShortTitle() + "_ttcf",
        new FloatProcessor(t.n, t.n, t.g, null));
    Calibration c = new Calibration();
    c.pixelWidth = r.binDt;
    c.pixelHeight = r.binDt;
    c.setUnit(r.timeUnit);
    c.setValueUnit("G");
    g.setCalibration(c);
    g.getProcessor().resetMinAndMax();
    r.ttcf = g;
    int v = (int) s[EcmNative.T_VERDICT];
    IJ.log(TITLE + ": " + t.n + " x " + t.n + " bins of " + Util.fmt(r.binDt) + " " + r.timeUnit
        + ", " + (long) s[EcmNative.T_PIXELS] + " pixels; fit "
        + (s[EcmNative.T_FIT_CONVERGED] != 0 ? "tau=" + Util.fmt(s[EcmNative.T_TAU]) + " "
                + r.timeUnit + ", beta=" + Util.fmt(s[EcmNative.T_BETA]) + ", A="
                + Util.fmt(s[EcmNative.T_A])
                                            : "did not converge")
        + "; verdict " + verdictName(v) + "; "
        + String.format(java.util.Locale.ROOT, "%.3f", secs) + " s");
    return r;
  }

  static String verdictName(int v) {
    return v >= 0 && v < EcmNative.VERDICT_NAMES.length ? EcmNative.VERDICT_NAMES[v] : "?";
  }

  /** Show the TTCF and append the summary row to the system Results table. */
  static void display(ImagePlus imp, Result r) {
    try {
      r.ttcf.getProcessor().setColorModel(ij.plugin.LutLoader.getLut("fire"));
    } catch (RuntimeException e) {
      // LUT is cosmetic
    }
    Util.show(r.ttcf);
    addSummaryRow(imp.getTitle(), r);
  }

  /** One row with the fit and the verdict (precision 9). */
  public static void addSummaryRow(String title, Result r) {
    double[] s = r.summary;
    String u = r.timeUnit.equals("s") ? "_s" : "_frames";
    ResultsTable rt = ResultsTable.getResultsTable();
    rt.setPrecision(9);
    rt.incrementCounter();
    rt.addValue("image", title);
    rt.addValue("frames", r.frames);
    rt.addValue("bin_time", r.binTime);
    rt.addValue("n", s[EcmNative.T_N]);
    rt.addValue("bin_dt" + u, r.binDt);
    rt.addValue("pixels", s[EcmNative.T_PIXELS]);
    rt.addValue("pixels_dropped", s[EcmNative.T_PIXELS_DROPPED]);
    rt.addValue("fit_converged", s[EcmNative.T_FIT_CONVERGED]);
    rt.addValue("tau" + u, s[EcmNative.T_TAU]);
    rt.addValue("tau_err" + u, s[EcmNative.T_TAU_ERR]);
    rt.addValue("beta", s[EcmNative.T_BETA]);
    rt.addValue("A", s[EcmNative.T_A]);
    rt.addValue("chi2", s[EcmNative.T_CHI2]);
    rt.addValue("band_slope", s[EcmNative.T_SLOPE]);
    rt.addValue("band_slope_err", s[EcmNative.T_SLOPE_ERR]);
    rt.addValue("band_change", s[EcmNative.T_CHANGE]);
    rt.addValue("verdict_code", s[EcmNative.T_VERDICT]);
    rt.addValue("verdict", verdictName((int) s[EcmNative.T_VERDICT]));
    if (!Util.headless()) rt.show("Results");
  }
}
