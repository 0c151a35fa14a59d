package ecm.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.GenericDialog;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import ij.process.FloatProcessor;

/**
 * Plugins>ECM>Align Stack: drift correction (ecm_align_estimate + ecm_align_apply) of the
 * current stack, optionally against the features inside its ROI; opens the aligned, cropped
 * 32-bit stack (calibration copied) and puts one row per frame (frame, shift_x_px,
 * shift_y_px, peak, state) in the system Results table ("Drift shifts"). Frames without a
 * distinct correlation peak (state weak_peak) keep the previous frame's shift; when a quarter
 * or more are weak the Log (and the status bar) warns that there is nothing static to
 * register on.
 */
public class AlignStack implements PlugIn {
  static final String TITLE = "Align Stack";
  static final String[] REFERENCES = {"running", "mean", "frame"};
  static final String[] APPLY_MODES = {"whole", "bilinear", "fourier"};
  static final String[] WINDOWS = {"tukey", "hann", "none"};

  /** Parameters (the dialog's fields; macro keys in brackets). */
  public static final class Params {
    public String reference = "running"; // [reference] frame | mean | running
    public int refFrame = 1; // [ref_frame] reference=frame: the frame, 1-based
    public int refCount = 10; // [ref_count] reference=mean: frames averaged
    public int block = 16; // [block] reference=running: frames registered together
    public int upsample = 20; // [upsample] subpixel factor, shifts in 1/upsample px
    public String window = "tukey"; // [window] none | hann | tukey
    public double regularization = 10; // [regularization] eps; 0 = pure phase correlation
    public double maxShift = 0; // [max_shift] px; 0 = unlimited
    public double psrMargin = 3.5; // [psr_margin] weak-peak test margin; <= -10 = off
    public String apply = "whole"; // [apply] whole | bilinear | fourier
    public boolean slicesAsTime = true; // [slices_as_time]
    public int threads = 0; // [threads] 0 = all cores
  }

  /** Outputs of one run. */
  public static final class Result {
    public ImagePlus aligned;
    public double[] shiftX, shiftY, peak;
    public byte[] state;
    public int[] crop; // x0, y0, nx, ny in input pixels
    public boolean usedRoi;
    /** Frames without a distinct correlation peak (state weak_peak). */
    public int nWeak;
    /** The warning logged when many frames were weak, or null. */
    public String warning;
  }

  private Result last;

  /** The outputs of the last successful run (for tests and scripts), or null. */
  public Result getResult() {
    return last;
  }

  @Override
  public void run(String arg) {
    Util.runOnCurrentImage(TITLE, this::ask, AlignStack::compute, AlignStack::display, r -> last = r);
  }

  private static String choice(String key, String v, String[] allowed) {
    for (String a : allowed)
      if (a.equalsIgnoreCase(v)) return a;
    throw new EcmException(EcmException.EINVAL, key + "=" + v + " is not one of "
        + String.join(", ", allowed));
  }

  /** The dialog (records one macro line), or the macro options when headless. */
  Params ask(ImagePlus imp) {
    Params p = new Params();
    Settings st = new Settings("align");
    p.reference = st.get("reference", p.reference);
    p.refFrame = (int) st.get("ref_frame", (double) p.refFrame);
    p.refCount = (int) st.get("ref_count", (double) p.refCount);
    p.block = (int) st.get("block", (double) p.block);
    p.upsample = (int) st.get("upsample", (double) p.upsample);
    p.window = st.get("window", p.window);
    p.regularization = st.get("regularization", p.regularization);
    p.maxShift = st.get("max_shift", p.maxShift);
    p.psrMargin = st.get("psr_margin", p.psrMargin);
    p.apply = st.get("apply", p.apply);
    p.slicesAsTime = st.get("slices_as_time", p.slicesAsTime);
    p.threads = (int) st.get("threads", (double) p.threads);
    if (Util.headless()) {
      Util.Options o = Util.Options.current();
      if (o.present()) {
        p.reference = choice("reference", o.text("reference", "running"), REFERENCES);
        p.refFrame = Util.toInt("ref_frame", o.number("ref_frame", 1), 1, 1000000000);
        p.refCount = Util.toInt("ref_count", o.number("ref_count", 10), 1, 1000000000);
        p.block = Util.toInt("block", o.number("block", 16), 1, 4096);
        p.upsample = Util.toInt("upsample", o.number("upsample", 20), 1, 1000);
        p.window = choice("window", o.text("window", "tukey"), WINDOWS);
        p.regularization = o.number("regularization", 10);
        p.maxShift = o.number("max_shift", 0);
        p.psrMargin = o.number("psr_margin", 3.5);
        p.apply = choice("apply", o.text("apply", "whole"), APPLY_MODES);
        p.slicesAsTime = o.flag("slices_as_time", false);
        p.threads = Util.toInt("threads", o.number("threads", 0), 0, 4096);
        check(p);
      }
      return p;
    }
    GenericDialog gd = new GenericDialog(TITLE);
    gd.addMessage("Image: " + imp.getTitle() + " (" + imp.getNFrames() + " frames, "
        + imp.getNSlices() + " slices)" + (Util.roiMask(imp) != null
            ? "; the ROI selects the feature to track" : "; no ROI: the whole frame is used"));
    gd.addChoice("Reference", REFERENCES, p.reference);
    gd.addNumericField("Ref_frame (reference=frame: the frame, 1-based)", p.refFrame, 0);
    gd.addNumericField("Ref_count (reference=mean: first frames averaged)", p.refCount, 0);
    gd.addNumericField("Block (reference=running: frames registered together, 1-4096)",
        p.block, 0);
    gd.addNumericField("Upsample (subpixel factor, 1-1000)", p.upsample, 0);
    gd.addChoice("Window", WINDOWS, choiceOr(p.window, WINDOWS));
    gd.addNumericField("Regularization (eps: 0 = phase correlation, large = cross-correlation)",
        p.regularization, 3);
    gd.addNumericField("Max_shift (px; 0 = unlimited)", p.maxShift, 2);
    gd.addNumericField("Psr_margin (weak-peak test margin; -10 = off)", p.psrMargin, 2);
    gd.addChoice("Apply", APPLY_MODES, p.apply);
    gd.addCheckbox("Slices_as_time (for a stack of Z-slices with 1 frame)", p.slicesAsTime);
    gd.addNumericField("Threads (0 = all cores)", p.threads, 0);
    Help.add(gd, "align-stack");
    gd.showDialog();
    if (gd.wasCanceled()) return null;
    p.reference = gd.getNextChoice();
    p.refFrame = Util.toInt("ref_frame", gd.getNextNumber(), 1, 1000000000);
    p.refCount = Util.toInt("ref_count", gd.getNextNumber(), 1, 1000000000);
    p.block = Util.toInt("block", gd.getNextNumber(), 1, 4096);
    p.upsample = Util.toInt("upsample", gd.getNextNumber(), 1, 1000);
    p.window = gd.getNextChoice();
    p.regularization = gd.getNextNumber();
    p.maxShift = gd.getNextNumber();
    p.psrMargin = gd.getNextNumber();
    p.apply = gd.getNextChoice();
    p.slicesAsTime = gd.getNextBoolean();
    p.threads = Util.toInt("threads", gd.getNextNumber(), 0, 4096);
    if (gd.invalidNumber())
      throw new EcmException(EcmException.EINVAL, "a field does not hold a number");
    check(p);
    st.set("reference", p.reference);
    st.set("ref_frame", p.refFrame);
    st.set("ref_count", p.refCount);
    st.set("block", p.block);
    st.set("upsample", p.upsample);
    st.set("window", p.window);
    st.set("regularization", p.regularization);
    st.set("max_shift", p.maxShift);
    st.set("psr_margin", p.psrMargin);
    st.set("apply", p.apply);
    st.set("slices_as_time", p.slicesAsTime);
    st.set("threads", p.threads);
    return p;
  }

  /** v when it is one of allowed (a remembered setting), else the first (the default). */
  private static String choiceOr(String v, String[] allowed) {
    for (String a : allowed)
      if (a.equalsIgnoreCase(v)) return a;
    return allowed[0];
  }

  /** The ranges of `ecm align` (core/cli/cli_align.c) for the keys it shares. */
  static void check(Params p) {
    choice("reference", p.reference, REFERENCES);
    choice("window", p.window, WINDOWS);
    choice("apply", p.apply, APPLY_MODES);
    if (p.refFrame < 1 || p.refFrame > 1000000000)
      throw new EcmException(EcmException.EINVAL, "ref_frame must be in [1, 1e9] (1-based)");
    if (p.refCount < 1 || p.refCount > 1000000000)
      throw new EcmException(EcmException.EINVAL, "ref_count must be in [1, 1e9] frames");
    if (p.block < 1 || p.block > 4096)
      throw new EcmException(EcmException.EINVAL, "block must be in [1, 4096] frames");
    if (p.upsample < 1 || p.upsample > 1000)
      throw new EcmException(EcmException.EINVAL, "upsample must be in [1, 1000]");
    if (!(p.regularization >= 0 && p.regularization <= 1e6))
      throw new EcmException(EcmException.EINVAL, "regularization must be in [0, 1e6] (got "
          + Util.fmt(p.regularization) + ")");
    if (!(p.maxShift >= 0 && p.maxShift <= 1e6))
      throw new EcmException(EcmException.EINVAL, "max_shift must be in [0, 1e6] px, 0 ="
          + " unlimited (got " + Util.fmt(p.maxShift) + ")");
    if (!(p.psrMargin >= -100 && p.psrMargin <= 100))
      throw new EcmException(EcmException.EINVAL, "psr_margin must be in [-100, 100], <= -10 ="
          + " no peak test (got " + Util.fmt(p.psrMargin) + ")");
  }

  /** The computation: no dialog, no display. Throws EcmException for any refusal. */
  public static Result compute(ImagePlus imp, Params p, Progress progress) {
    Object[] slices = Util.timeSlices(imp, p.slicesAsTime, "align", 1);
    int w = imp.getWidth(), h = imp.getHeight();
    byte[] mask = Util.roiMask(imp);
    IJ.log(TITLE + ": " + imp.getTitle() + ", " + slices.length + " frames of " + w + " x " + h
        + ", reference=" + p.reference + ", ref_frame=" + p.refFrame + ", ref_count="
        + p.refCount + ", block=" + p.block + ", upsample=" + p.upsample + ", window="
        + p.window + ", regularization=" + Util.fmt(p.regularization) + ", max_shift="
        + Util.fmt(p.maxShift) + ", psr_margin=" + Util.fmt(p.psrMargin) + ", apply=" + p.apply
        + ", roi=" + (mask == null ? "none" : Util.count(mask) + " px") + ", threads="
        + p.threads);
    check(p);
    long t0 = System.nanoTime();
    EcmNative.AlignResult a = EcmNative.align(slices, w, h, p.reference, p.refFrame - 1,
        p.refCount, p.block, p.upsample, p.window, p.regularization, p.maxShift, p.psrMargin,
        p.apply, mask, p.threads, progress);
    double secs = (System.nanoTime() - t0) * 1e-9;
    Result r = new Result();
    r.shiftX = a.shiftX;
    r.shiftY = a.shiftY;
    r.peak = a.peak;
    r.state = a.state;
    r.crop = a.crop;
    r.usedRoi = mask != null;
    int cw = a.crop[2], ch = a.crop[3];
    ImageStack st = new ImageStack(cw, ch);
    for (int t = 0; t < a.frames.length; t++)
      st.addSlice("t" + (t + 1), new FloatProcessor(cw, ch, a.frames[t], null));
    ImagePlus out = new ImagePlus(imp.getShortTitle() + "_aligned", st);
    out.setDimensions(1, 1, a.frames.length);
    out.setCalibration(imp.getCalibration().copy());
    out.resetDisplayRange();
    // Where the aligned frame sits in the input (Image>Show Info; a macro reads it with
    // getInfo("ecm_crop_x0")): cut maps of the input, or a truth map, the same way.
    String info = imp.getInfoProperty();
    out.setProperty("Info", (info != null && !info.isEmpty() ? info + "\n" : "")
        + "ECM Align Stack of " + imp.getTitle() + "\necm_crop_x0 = " + a.crop[0]
        + "\necm_crop_y0 = " + a.crop[1] + "\necm_crop_width = " + cw + "\necm_crop_height = "
        + ch + "\n");
    r.aligned = out;
    int bad = 0, lim = 0, weak = 0;
    double maxAbs = 0;
    for (int t = 0; t < a.state.length; t++) {
      bad += a.state[t] == 1 ? 1 : 0;
      lim += a.state[t] == 2 ? 1 : 0;
      weak += a.state[t] == EcmNative.ALIGN_WEAK_PEAK ? 1 : 0;
      maxAbs = Math.max(maxAbs, Math.max(Math.abs(a.shiftX[t]), Math.abs(a.shiftY[t])));
    }
    r.nWeak = weak;
    IJ.log(TITLE + ": crop offset x0=" + a.crop[0] + " y0=" + a.crop[1] + ", aligned size "
        + cw + " x " + ch + ", largest |shift| " + Util.fmt(maxAbs) + " px, " + bad
        + " bad frame(s), " + lim + " at the search limit, " + weak
        + " weak (no distinct correlation peak: previous shift kept); "
        + String.format(java.util.Locale.ROOT, "%.3f", secs) + " s");
    r.warning = weakWarning(weak, a.state.length);
    if (r.warning != null) {
      IJ.log(TITLE + ": warning: " + r.warning);
      if (!Util.headless()) IJ.showStatus(TITLE + ": " + r.warning);
    }
    return r;
  }

  /**
   * The warning for many weak frames (a quarter or more, as the CLI's), or null: the series
   * has no static feature to register on.
   */
  static String weakWarning(int weak, int frames) {
    if (weak == 0 || 4L * weak < frames) return null;
    return weak + " of " + frames + " frames had no distinct correlation peak: the series has"
        + " no static contrast to register on; draw a ROI on a static feature or skip alignment";
  }

  /** Show the aligned stack and fill the system Results table with the shifts. */
  static void display(ImagePlus imp, Result r) {
    Util.show(r.aligned);
    ResultsTable rt = fillShifts(r);
    if (!Util.headless()) {
      rt.show("Results");
      ResultsTable copy = (ResultsTable) rt.clone();
      copy.show("Drift shifts");
    }
  }

  /** The system Results table, reset, with one row per frame (precision 9). */
  public static ResultsTable fillShifts(Result r) {
    ResultsTable rt = ResultsTable.getResultsTable();
    rt.reset();
    rt.setPrecision(9);
    for (int t = 0; t < r.shiftX.length; t++) {
      rt.incrementCounter();
      rt.addValue("frame", t + 1);
      rt.addValue("shift_x_px", r.shiftX[t]);
      rt.addValue("shift_y_px", r.shiftY[t]);
      rt.addValue("peak", r.peak[t]);
      int s = r.state[t];
      rt.addValue("state", s >= 0 && s < EcmNative.ALIGN_STATE_NAMES.length
              ? EcmNative.ALIGN_STATE_NAMES[s] : "?");
    }
    return rt;
  }
}
