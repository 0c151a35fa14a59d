package ecm.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.Plot;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import ij.process.FloatProcessor;
import java.awt.Color;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Plugins>ECM>Four-Point Correlation: g4(dt, dr) (ecm_g4_compute, literal or conventional
 * variant) of the current stack or its ROI as a calibrated 32-bit image, and the dynamic
 * correlation lengths the core takes from it (xi_exp, xi_sep, xi_contour; xi_domain_fwhm of
 * a tau map), with the same choices as `ecm g4` (docs/g4.md): a plot of the radial g4 with
 * the xi_exp fit, a plot of the xi_contour contour with its fit, and a row of the "ECM g4"
 * table.
 */
public class FourPointCorrelation implements PlugIn {
  static final String TITLE = "Four-Point Correlation";
  /** Name of the results table this command appends to. */
  public static final String TABLE = "ECM g4";
  static final String[] VARIANTS = {"conventional", "literal"};
  static final String[] LAG_UNITS = {"frames", "s"};
  static final String[] SEP_MODELS = {"full", "nakazawa"};

  /** Parameters (the dialog's fields; macro keys in brackets). */
  public static final class Params {
    public double frameInterval = 0; // [frame_interval] s; 0 = from Image>Properties
    public boolean slicesAsTime = true; // [slices_as_time]
    public String lags = "auto"; // [lags] comma-separated, in lagUnit; auto = 5 per decade
    public String lagUnit = "frames"; // [lag_unit] frames | s
    public String variant = "conventional"; // [variant] conventional | literal
    public int maxRadius = 8; // [max_radius] px
    public double xiLag = 0; // [xi_lag] lag of the xi_exp fit in lagUnit; 0 = peak
    public String methods = "exp,sep,contour"; // [methods] any of exp, sep, contour; none
    public String sepModel = "full"; // [sep_model] full | nakazawa
    public int contourRing = 1; // [contour_ring] px
    public String tauMap = "none"; // [tau_map] open image title or TIFF path; none
    public int domainWindow = 0; // [domain_window] px; 0 = auto
    public int threads = 0; // [threads] 0 = all cores
    /** The tau map itself (resolved from tauMap by ask(); callers of compute may set it). */
    public ImagePlus tauMapImage;
  }

  /** Outputs of one run. */
  public static final class Result {
    /** g4: columns dr = 0..R (px, calibrated in the image's length unit), rows the lags. */
    public ImagePlus g4;
    public NativeG4.G4Result raw;
    /** The lags used, frames (the rows of g4). */
    public int[] lags;
    /** xi_domain_fwhm numbers (NativeG4.D_*), or null without a tau map. */
    public double[] domain;
    /** Length unit of the xi columns ("nm", ..., or "px") and its size per pixel. */
    public String lengthUnit;
    public double pixelSize = 1;
    public String domainUnit;
    public double domainPixelSize = 1;
    /** Seconds per frame (0 = uncalibrated). */
    public double dtS;
    public int frames;
    public String variant, sepModel, methods;
    public int maxRadius, contourRing;
    public double seconds;
    /** Set by display: the plots and the table row (kept for tests and headless use). */
    public Plot radialPlot, contourPlot;
    public ResultsTable table;
  }

  private Result last;
  private static ResultsTable headlessTable;

  /** The outputs of the last successful run (for tests and scripts), or null. */
  public Result getResult() {
    return last;
  }

  @Override
  public void run(String arg) {
    Util.runOnCurrentImage(TITLE, this::ask, FourPointCorrelation::compute,
        FourPointCorrelation::display, r -> last = r);
  }

  /**
   * The dialog (records one macro line), or the macro options when headless. Interactive
   * runs start from the remembered settings; macro runs from the built-in defaults.
   */
  Params ask(ImagePlus imp) {
    Settings st = new Settings("g4");
    Params p = new Params();
    p.frameInterval = st.get("frame_interval", 0.0);
    p.slicesAsTime = st.get("slices_as_time", true);
    p.lags = st.get("lags", "auto");
    p.lagUnit = st.get("lag_unit", "frames");
    p.variant = st.get("variant", "conventional");
    p.maxRadius = (int) st.get("max_radius", 8.0);
    p.xiLag = st.get("xi_lag", 0.0);
    p.methods = st.get("methods", "exp,sep,contour");
    p.sepModel = st.get("sep_model", "full");
    p.contourRing = (int) st.get("contour_ring", 1.0);
    p.domainWindow = (int) st.get("domain_window", 0.0);
    p.threads = (int) st.get("threads", 0.0);
    if (Util.headless()) {
      Util.Options o = Util.Options.current();
      if (o.present()) {
        p.frameInterval = o.number("frame_interval", 0);
        p.slicesAsTime = o.flag("slices_as_time", false);
        p.lags = o.text("lags", "auto");
        p.lagUnit = o.text("lag_unit", "frames");
        p.variant = o.text("variant", "conventional");
        p.maxRadius = Util.toInt("max_radius", o.number("max_radius", 8), 0, NativeG4.MAX_R);
        p.xiLag = o.number("xi_lag", 0);
        p.methods = o.text("methods", "exp,sep,contour");
        p.sepModel = o.text("sep_model", "full");
        p.contourRing = Util.toInt("contour_ring", o.number("contour_ring", 1), 0, NativeG4.MAX_R);
        p.tauMap = o.text("tau_map", "none");
        p.domainWindow = Util.toInt("domain_window", o.number("domain_window", 0), 0, 4096);
        p.threads = Util.toInt("threads", o.number("threads", 0), 0, 4096);
      }
      p.tauMapImage = resolveTauMap(p.tauMap);
      return p;
    }
    Calibration cal = imp.getCalibration();
    GenericDialog gd = new GenericDialog(TITLE);
    gd.addMessage("Image: " + imp.getTitle() + " (" + imp.getNFrames() + " frames, "
        + imp.getNSlices() + " slices); pixel size " + cal.pixelWidth + " " + cal.getUnit()
        + "; frame interval " + cal.frameInterval + " " + cal.getTimeUnit()
        + (imp.getRoi() != null && imp.getRoi().isArea() ? "\ng4 over the pixels inside the ROI."
                                                          : ""));
    gd.addNumericField("Frame_interval (s; 0 = from image)", p.frameInterval, 6);
    gd.addCheckbox("Slices_as_time (for a stack of Z-slices with 1 frame)", p.slicesAsTime);
    gd.addStringField("Lags (comma-separated; auto = 5 per decade up to N/2)", p.lags, 24);
    gd.addChoice("Lag_unit", LAG_UNITS, choice(LAG_UNITS, p.lagUnit));
    gd.addChoice("Variant", VARIANTS, choice(VARIANTS, p.variant));
    gd.addNumericField("Max_radius (px)", p.maxRadius, 0);
    gd.addNumericField("Xi_lag (lag of the xi_exp fit, lag unit; 0 = peak)", p.xiLag, 3);
    gd.addStringField("Methods (exp,sep,contour or none)", p.methods, 16);
    gd.addChoice("Sep_model", SEP_MODELS, choice(SEP_MODELS, p.sepModel));
    gd.addNumericField("Contour_ring (px, normalises xi_contour)", p.contourRing, 0);
    if (st.macro()) { // a macro may name an image title or a file path
      gd.addStringField("Tau_map (image title or TIFF path; none = off)", "none", 24);
    } else {
      String[] titles = imageTitles(imp);
      gd.addChoice("Tau_map (for xi_domain_fwhm)", titles, titles[0]);
    }
    gd.addNumericField("Domain_window (px; 0 = auto)", p.domainWindow, 0);
    gd.addNumericField("Threads (0 = all cores)", p.threads, 0);
    Help.add(gd, "four-point-correlation");
    gd.showDialog();
    if (gd.wasCanceled()) return null;
    p.frameInterval = gd.getNextNumber();
    p.slicesAsTime = gd.getNextBoolean();
    p.lags = gd.getNextString().trim();
    p.lagUnit = gd.getNextChoice();
    p.variant = gd.getNextChoice();
    p.maxRadius = Util.toInt("max_radius", gd.getNextNumber(), 0, NativeG4.MAX_R);
    p.xiLag = gd.getNextNumber();
    p.methods = gd.getNextString().trim();
    p.sepModel = gd.getNextChoice();
    p.contourRing = Util.toInt("contour_ring", gd.getNextNumber(), 0, NativeG4.MAX_R);
    p.tauMap = st.macro() ? gd.getNextString().trim() : gd.getNextChoice();
    p.domainWindow = Util.toInt("domain_window", gd.getNextNumber(), 0, 4096);
    p.threads = Util.toInt("threads", gd.getNextNumber(), 0, 4096);
    if (gd.invalidNumber())
      throw new EcmException(EcmException.EINVAL, "a field does not hold a number");
    p.tauMapImage = resolveTauMap(p.tauMap);
    st.set("frame_interval", p.frameInterval);
    st.set("slices_as_time", p.slicesAsTime);
    st.set("lags", p.lags);
    st.set("lag_unit", p.lagUnit);
    st.set("variant", p.variant);
    st.set("max_radius", p.maxRadius);
    st.set("xi_lag", p.xiLag);
    st.set("methods", p.methods);
    st.set("sep_model", p.sepModel);
    st.set("contour_ring", p.contourRing);
    st.set("domain_window", p.domainWindow);
    st.set("threads", p.threads);
    return p;
  }

  private static String choice(String[] items, String v) {
    for (String s : items)
      if (s.equals(v)) return s;
    return items[0];
  }

  /** "none" and the titles of the other open single-plane images (candidate tau maps). */
  private static String[] imageTitles(ImagePlus imp) {
    List<String> t = new ArrayList<>();
    t.add("none");
    int[] ids = WindowManager.getIDList();
    if (ids != null) {
      for (int id : ids) {
        ImagePlus i = WindowManager.getImage(id);
        if (i != null && i != imp && i.getStackSize() == 1) t.add(i.getTitle());
      }
    }
    return t.toArray(new String[0]);
  }

  /** The tau map named by an open image's title or a TIFF path; null for "none". */
  static ImagePlus resolveTauMap(String name) {
    if (name == null || name.isEmpty() || name.equals("none")) return null;
    ImagePlus m = WindowManager.getImage(name);
    if (m == null) {
      ImagePlus cur = WindowManager.getCurrentImage();
      if (cur != null && name.equals(cur.getTitle())) m = cur;
    }
    if (m == null && new File(name).isFile()) m = IJ.openImage(name);
    if (m == null)
      throw new EcmException(EcmException.EINVAL, "tau_map: no open image titled '" + name
          + "' and no readable image file at that path");
    return m;
  }

  /** Parses a comma-separated list of lags in `unit` (frames or s) into frames. */
  static int[] parseLags(String text, String unit, double dtS, int frames) {
    String t = text == null ? "" : text.trim();
    if (t.equalsIgnoreCase("auto")) {
      List<Integer> v = new ArrayList<>();
      int max = Math.max(1, Math.min(frames - 1, frames / 2));
      for (int k = 0;; k++) {
        long l = Math.round(Math.pow(10, k / 5.0));
        if (l > max) break;
        if (v.isEmpty() || v.get(v.size() - 1) != l) v.add((int) l);
      }
      int[] r = new int[v.size()];
      for (int i = 0; i < r.length; i++) r[i] = v.get(i);
      return r;
    }
    String[] parts = t.split("[,\\s]+");
    List<Integer> v = new ArrayList<>();
    for (String s : parts) {
      if (s.isEmpty()) continue;
      double x;
      try {
        x = Double.parseDouble(s);
      } catch (NumberFormatException e) {
        throw new EcmException(EcmException.EINVAL, "lags: '" + s + "' is not a number (give"
            + " comma-separated lags, e.g. 1,2,5,10, or auto)");
      }
      v.add(toFrames("lags", x, unit, dtS, frames));
    }
    if (v.isEmpty())
      throw new EcmException(EcmException.EINVAL, "lags: give at least one lag (or auto)");
    int[] r = new int[v.size()];
    for (int i = 0; i < r.length; i++) r[i] = v.get(i);
    return r;
  }

  /** A lag in frames or s as a whole number of frames in [0, frames - 1]. */
  static int toFrames(String what, double x, String unit, double dtS, int frames) {
    if (Double.isNaN(x) || Double.isInfinite(x) || x < 0)
      throw new EcmException(EcmException.EINVAL, what + " must be >= 0 (got " + Util.fmt(x)
          + ")");
    double f;
    if (unit.equals("s")) {
      if (!(dtS > 0))
        throw new EcmException(EcmException.EINVAL, what + " in s needs a frame interval: set"
            + " frame_interval or Image>Properties, or give the lags in frames");
      f = Math.rint(x / dtS);
    } else {
      if (x != Math.rint(x))
        throw new EcmException(EcmException.EINVAL, what + " in frames must be whole numbers (got "
            + Util.fmt(x) + ")");
      f = x;
    }
    if (f > frames - 1)
      throw new EcmException(EcmException.EINVAL, what + ": " + Util.fmt(x) + " " + unit
          + " is not shorter than the series (" + frames + " frames)");
    return (int) f;
  }

  /** The length unit of a calibration ("px" when uncalibrated) as a column suffix. */
  static String lengthUnit(Calibration c) {
    String u = c.getUnit();
    if (u == null || !(c.pixelWidth > 0) || u.isEmpty() || u.equalsIgnoreCase("pixel")
        || u.equalsIgnoreCase("pixels"))
      return "px";
    if (u.equals("micron") || u.equals("\u00b5m") || u.equals("\u03bcm")) return "um";
    String s = u.replaceAll("[^A-Za-z0-9]", "");
    return s.isEmpty() ? "px" : s;
  }

  /** The computation: no dialog, no display. Throws EcmException for any refusal. */
  public static Result compute(ImagePlus imp, Params p, Progress progress) {
    Object[] slices = Util.timeSlices(imp, p.slicesAsTime, "four-point correlation", 2);
    byte[] mask = Util.roiMaskChecked(imp);
    Calibration cal = imp.getCalibration();
    double dtS;
    if (p.frameInterval > 0 && !Double.isInfinite(p.frameInterval)) {
      dtS = p.frameInterval;
    } else if (p.frameInterval == 0) {
      dtS = NativeG4.dtSeconds(cal.frameInterval, cal.getTimeUnit());
    } else {
      throw new EcmException(EcmException.EINVAL, "frame interval must be >= 0 s (got "
          + Util.fmt(p.frameInterval) + ")");
    }
    String lagUnit = p.lagUnit == null ? "frames" : p.lagUnit.trim();
    if (!lagUnit.equals("frames") && !lagUnit.equals("s"))
      throw new EcmException(EcmException.EINVAL, "lag_unit must be frames or s, not '"
          + lagUnit + "'");
    int variant;
    if ("conventional".equals(p.variant)) variant = NativeG4.CONVENTIONAL;
    else if ("literal".equals(p.variant)) variant = NativeG4.LITERAL;
    else
      throw new EcmException(EcmException.EINVAL, "variant must be conventional or literal, not '"
          + p.variant + "'");
    boolean sepFull;
    if ("full".equals(p.sepModel)) sepFull = true;
    else if ("nakazawa".equals(p.sepModel)) sepFull = false;
    else
      throw new EcmException(EcmException.EINVAL, "sep_model must be full or nakazawa, not '"
          + p.sepModel + "'");
    boolean wantExp = false, wantSep = false, wantContour = false;
    for (String m : (p.methods == null ? "" : p.methods).split(",")) {
      String s = m.trim();
      if (s.equals("exp")) wantExp = true;
      else if (s.equals("sep")) wantSep = true;
      else if (s.equals("contour")) wantContour = true;
      else if (!s.equals("none") && !s.isEmpty())
        throw new EcmException(EcmException.EINVAL, "methods: unknown method '" + s
            + "' (exp, sep, contour, or none)");
    }
    if (p.maxRadius < 0 || p.maxRadius > NativeG4.MAX_R)
      throw new EcmException(EcmException.EINVAL, "max_radius must be in [0, " + NativeG4.MAX_R
          + "] px");
    int n = slices.length;
    int[] lags = parseLags(p.lags, lagUnit, dtS, n);
    int xiLag = toFrames("xi_lag", p.xiLag, lagUnit, dtS, n);
    int w = imp.getWidth(), h = imp.getHeight();
    Result r = new Result();
    r.frames = n;
    r.dtS = dtS;
    r.lags = lags;
    r.variant = NativeG4.VARIANT_NAMES[variant];
    r.sepModel = sepFull ? "full" : "nakazawa";
    r.maxRadius = p.maxRadius;
    r.contourRing = p.contourRing;
    StringBuilder ms = new StringBuilder();
    if (wantExp) ms.append("exp");
    if (wantSep) ms.append(ms.length() > 0 ? "," : "").append("sep");
    if (wantContour) ms.append(ms.length() > 0 ? "," : "").append("contour");
    r.methods = ms.length() > 0 ? ms.toString() : "none";
    r.lengthUnit = lengthUnit(cal);
    r.pixelSize = r.lengthUnit.equals("px") ? 1 : cal.pixelWidth;
    IJ.log(TITLE + ": " + imp.getTitle() + ", " + n + " frames of " + w + " x " + h
        + (mask != null ? ", ROI of " + Util.count(mask) + " pixels" : "") + ", lags "
        + lagList(lags) + " frames, variant " + r.variant + ", max_radius=" + p.maxRadius
        + " px, xi_lag=" + (xiLag == 0 ? "peak" : xiLag + " frames") + ", methods=" + r.methods
        + ", sep_model=" + r.sepModel + ", contour_ring=" + p.contourRing + ", frame interval "
        + (dtS > 0 ? Util.fmt(dtS) + " s" : "unknown") + ", pixel size "
        + Util.fmt(r.pixelSize) + " " + r.lengthUnit + ", threads=" + p.threads);
    long t0 = System.nanoTime();
    NativeG4.G4Result g = NativeG4.g4(slices, w, h, lags, variant, p.maxRadius, mask, xiLag,
        wantExp, wantSep, wantContour, sepFull, p.contourRing, p.threads, progress);
    r.raw = g;
    if (p.tauMapImage != null) r.domain = domain(p.tauMapImage, mask, w, h, p.domainWindow, r);
    r.seconds = (System.nanoTime() - t0) * 1e-9;
    float[] img = new float[g.nDt * g.nR];
    for (int i = 0; i < img.length; i++) img[i] = (float) g.g4[i];
    ImagePlus gi = new ImagePlus(imp.getShortTitle() + "_g4",
        new FloatProcessor(g.nR, g.nDt, img, null));
    Calibration c = new Calibration();
    if (!r.lengthUnit.equals("px")) {
      c.pixelWidth = c.pixelHeight = cal.pixelWidth;
      c.setUnit(cal.getUnit());
    }
    c.setValueUnit("g4");
    gi.setCalibration(c);
    gi.setProperty("Info", "g4(dt, dr), " + r.variant + " variant (docs/g4.md)\ncolumns: dr = 0.."
        + (g.nR - 1) + " px\nrows: dt = " + lagList(lags) + " frames\n");
    gi.getProcessor().resetMinAndMax();
    r.g4 = gi;
    double[] s = g.summary;
    IJ.log(TITLE + ": " + (long) s[NativeG4.G_ROI_PIXELS] + " pixels; "
        + lengthLine("xi_exp", s[NativeG4.G_XI_HAVE], s[NativeG4.G_XI_OK], s[NativeG4.G_XI],
              s[NativeG4.G_XI_ERR], r)
        + (s[NativeG4.G_XI_HAVE] == 1 ? " at dt = " + (long) s[NativeG4.G_XI_LAG] + " frames" : "")
        + "; "
        + lengthLine("xi_sep", s[NativeG4.G_SEP_HAVE], s[NativeG4.G_SEP_OK], s[NativeG4.G_SEP_XI],
              s[NativeG4.G_SEP_XI_ERR], r)
        + "; "
        + lengthLine("xi_contour", s[NativeG4.G_CON_HAVE], s[NativeG4.G_CON_OK],
              s[NativeG4.G_CON_XI], s[NativeG4.G_CON_XI_ERR], r)
        + (r.domain != null ? "; xi_domain_fwhm = " + Util.fmt(r.domain[NativeG4.D_FWHM]
                                  * r.domainPixelSize) + " " + r.domainUnit
                            : "")
        + "; " + String.format(Locale.ROOT, "%.3f", r.seconds) + " s");
    return r;
  }

  private static String lengthLine(String name, double have, double ok, double xi, double err,
      Result r) {
    if (have != 1) return name + " not computed";
    return name + " = " + Util.fmt(xi * r.pixelSize) + " +- " + Util.fmt(err * r.pixelSize) + " "
        + r.lengthUnit + (ok == 1 ? "" : " (fit not ok)");
  }

  /** "dt = 0.5 s (1 frame)", or "dt = 3 frames" for an uncalibrated series. */
  static String lagLabel(Result r, int frames) {
    String f = frames + (frames == 1 ? " frame" : " frames");
    if (!(r.dtS > 0)) return "dt = " + f;
    return String.format(Locale.ROOT, "dt = %.3g s (%s)", frames * r.dtS, f);
  }

  static String lagList(int[] lags) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < lags.length; i++) b.append(i > 0 ? "," : "").append(lags[i]);
    return b.toString();
  }

  /**
   * xi_domain_fwhm of ln tau, as `ecm g4 --tau-map`: pixels with a finite tau > 0 (and
   * inside the ROI when the map has the stack's size).
   */
  private static double[] domain(ImagePlus tau, byte[] mask, int w, int h, int window,
      Result r) {
    if (tau.getType() == ImagePlus.COLOR_RGB || tau.getType() == ImagePlus.COLOR_256)
      throw new EcmException(EcmException.EUNSUPPORTED, "tau_map '" + tau.getTitle()
          + "' is a colour image");
    int mw = tau.getWidth(), mh = tau.getHeight();
    float[] t = (float[]) tau.getStack().getProcessor(1).convertToFloat().getPixels();
    boolean useMask = mask != null && mw == w && mh == h;
    float[] lnt = new float[mw * mh];
    byte[] valid = new byte[mw * mh];
    for (int i = 0; i < lnt.length; i++) {
      float v = t[i];
      boolean ok = !Float.isNaN(v) && !Float.isInfinite(v) && v > 0 && (!useMask || mask[i] != 0);
      valid[i] = (byte) (ok ? 1 : 0);
      lnt[i] = ok ? (float) Math.log(v) : 0f;
    }
    Calibration tc = tau.getCalibration();
    r.domainUnit = lengthUnit(tc);
    r.domainPixelSize = r.domainUnit.equals("px") ? 1 : tc.pixelWidth;
    return NativeG4.domainSize(lnt, valid, mh, mw, window, false);
  }

  /** Show the g4 image and the plots, and append a row to the "ECM g4" table. */
  static void display(ImagePlus imp, Result r) {
    MapDisplay.style(r.g4, "g4");
    r.radialPlot = radialPlot(imp.getShortTitle(), r);
    r.contourPlot = contourPlot(imp.getShortTitle(), r);
    if (!Util.headless()) {
      if (r.contourPlot != null) r.contourPlot.show();
      r.radialPlot.show();
    }
    Util.show(r.g4); // last: the g4 image is the current image afterwards
    r.table = addRow(imp.getTitle(), r);
  }

  /** g4 versus dr (rings 1..R) for every lag, the xi_exp row marked, with its fit. */
  static Plot radialPlot(String title, Result r) {
    NativeG4.G4Result g = r.raw;
    double[] s = g.summary;
    String u = r.lengthUnit;
    Plot plot = new Plot(title + " g4(dr)", "dr (" + u + ")", "g4");
    int nr = g.nR - 1;
    double ymin = Double.POSITIVE_INFINITY, ymax = Double.NEGATIVE_INFINITY;
    int row = s[NativeG4.G_XI_HAVE] == 1 ? (int) s[NativeG4.G_XI_ROW] : -1;
    StringBuilder legend = new StringBuilder();
    if (nr >= 1) {
      double[] x = new double[nr];
      for (int k = 1; k <= nr; k++) x[k - 1] = k * r.pixelSize;
      for (int i = 0; i < g.nDt; i++) {
        if (i == row) continue;
        double[] y = new double[nr];
        for (int k = 1; k <= nr; k++) {
          y[k - 1] = g.g4[i * g.nR + k];
          if (!Double.isNaN(y[k - 1])) {
            ymin = Math.min(ymin, y[k - 1]);
            ymax = Math.max(ymax, y[k - 1]);
          }
        }
        float f = g.nDt > 1 ? (float) i / (g.nDt - 1) : 0;
        plot.setColor(new Color(0.25f + 0.4f * f, 0.3f + 0.4f * f, 0.55f + 0.3f * f));
        plot.addPoints(x, y, Plot.LINE);
        legend.append(legend.length() > 0 ? "\n" : "").append(lagLabel(r, r.lags[i]));
      }
      if (row >= 0) {
        double[] y = new double[nr];
        for (int k = 1; k <= nr; k++) {
          y[k - 1] = g.g4[row * g.nR + k];
          if (!Double.isNaN(y[k - 1])) {
            ymin = Math.min(ymin, y[k - 1]);
            ymax = Math.max(ymax, y[k - 1]);
          }
        }
        plot.setColor(Color.black);
        plot.addPoints(x, y, Plot.CIRCLE);
        legend.append(legend.length() > 0 ? "\n" : "").append(lagLabel(r, r.lags[row]))
            .append(" (xi_exp fit)");
        // the fitted model A exp(-dr/Rc) + B, drawn over the fit range
        double a = s[NativeG4.G_XI_A], b = s[NativeG4.G_XI_B], rc = s[NativeG4.G_XI_RC];
        double r0 = s[NativeG4.G_XI_RMIN], r1 = s[NativeG4.G_XI_RMAX];
        if (!Double.isNaN(a) && !Double.isNaN(b) && rc > 0) {
          int m = 100;
          double[] fx = new double[m + 1], fy = new double[m + 1];
          for (int j = 0; j <= m; j++) {
            double d = r0 + (r1 - r0) * j / m;
            fx[j] = d * r.pixelSize;
            fy[j] = a * Math.exp(-d / rc) + b;
          }
          plot.setColor(Color.red);
          plot.addPoints(fx, fy, Plot.LINE);
          legend.append("\nfit: xi_exp = ")
              .append(Util.pm(s[NativeG4.G_XI] * r.pixelSize, s[NativeG4.G_XI_ERR] * r.pixelSize))
              .append(' ').append(u);
        }
      }
      if (ymin < ymax) { // headroom above the curves for the legend
        double pad = 0.05 * (ymax - ymin);
        plot.setLimits(0, (nr + 0.5) * r.pixelSize, ymin - pad, ymax + 0.6 * (ymax - ymin));
      }
      plot.setColor(Color.black);
      plot.addLegend(legend.toString());
    }
    return plot;
  }

  /** xi_contour's contour dr_half(dt) with its fit eps exp(-dt/nu) + c0 + c1 dt; or null. */
  static Plot contourPlot(String title, Result r) {
    NativeG4.G4Result g = r.raw;
    double[] s = g.summary;
    if (s[NativeG4.G_CON_HAVE] != 1) return null;
    boolean sec = r.dtS > 0;
    double tf = sec ? r.dtS : 1; // time per frame on the axis
    String tu = sec ? "s" : "frames";
    Plot plot = new Plot(title + " g4 0.5 contour", "dt (" + tu + ")", "dr_half (" + r.lengthUnit
        + ")");
    List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
    int lmax = 0;
    for (int i = 0; i < g.nDt; i++) {
      lmax = Math.max(lmax, r.lags[i]);
      if (Double.isNaN(g.drHalf[i])) continue;
      xs.add(r.lags[i] * tf);
      ys.add(g.drHalf[i] * r.pixelSize);
    }
    double[] x = new double[xs.size()], y = new double[ys.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = xs.get(i);
      y[i] = ys.get(i);
    }
    plot.setColor(Color.black);
    if (x.length > 0) plot.addPoints(x, y, Plot.CIRCLE);
    else plot.addLabel(0.1, 0.5, "no lag reached half its ring-" + r.contourRing + " value");
    String legend = "dr_half (g4 - 1 at half its ring-" + r.contourRing + " value)";
    double eps = s[NativeG4.G_CON_EPS], nu = s[NativeG4.G_CON_NU], c0 = s[NativeG4.G_CON_C0],
        c1 = s[NativeG4.G_CON_C1];
    if (!Double.isNaN(eps) && nu > 0 && !Double.isNaN(c0) && !Double.isNaN(c1)) {
      int m = 200;
      double[] fx = new double[m + 1], fy = new double[m + 1];
      for (int j = 0; j <= m; j++) {
        double d = (double) lmax * j / m;
        fx[j] = d * tf;
        fy[j] = (eps * Math.exp(-d / nu) + c0 + c1 * d) * r.pixelSize;
      }
      plot.setColor(Color.red);
      plot.addPoints(fx, fy, Plot.LINE);
      legend += "\nfit: xi_contour = "
          + Util.pm(s[NativeG4.G_CON_XI] * r.pixelSize, s[NativeG4.G_CON_XI_ERR] * r.pixelSize)
          + " " + r.lengthUnit + ", nu = " + String.format(Locale.ROOT, "%.3g", nu * tf) + " " + tu;
    }
    plot.setColor(Color.black);
    plot.addLegend(legend);
    return plot;
  }

  private static synchronized ResultsTable table() {
    ResultsTable rt = null;
    if (!Util.headless()) {
      rt = ResultsTable.getResultsTable(TABLE);
      if (rt == null) rt = new ResultsTable();
      return rt;
    }
    if (headlessTable == null) headlessTable = new ResultsTable();
    return headlessTable;
  }

  /**
   * One row of the "ECM g4" table (precision 9): the lengths in the image's length unit
   * (suffix _nm, ..., or _px), their errors, the fit details and the parameters used.
   */
  public static ResultsTable addRow(String title, Result r) {
    double[] s = r.raw.summary;
    String u = "_" + r.lengthUnit;
    double px = r.pixelSize;
    ResultsTable rt = table();
    rt.setPrecision(9);
    rt.incrementCounter();
    rt.addValue("image", title);
    rt.addValue("frames", r.frames);
    rt.addValue("roi_pixels", s[NativeG4.G_ROI_PIXELS]);
    rt.addValue("variant", r.variant);
    rt.addValue("lags_frames", lagList(r.lags));
    rt.addValue("max_r_px", r.maxRadius);
    rt.addValue("pixel_size" + u, px);
    rt.addValue("frame_interval_s", r.dtS > 0 ? r.dtS : Double.NaN);
    rt.addValue("methods", r.methods);
    rt.addValue("xi_exp" + u, s[NativeG4.G_XI] * px);
    rt.addValue("xi_exp_err" + u, s[NativeG4.G_XI_ERR] * px);
    rt.addValue("xi_exp_ok", s[NativeG4.G_XI_HAVE] == 1 ? s[NativeG4.G_XI_OK] : Double.NaN);
    rt.addValue("xi_exp_lag_frames", s[NativeG4.G_XI_LAG]);
    rt.addValue("xi_exp_Rc" + u, s[NativeG4.G_XI_RC] * px);
    rt.addValue("xi_exp_A", s[NativeG4.G_XI_A]);
    rt.addValue("xi_exp_B", s[NativeG4.G_XI_B]);
    rt.addValue("xi_exp_chi2", s[NativeG4.G_XI_CHI2]);
    rt.addValue("xi_sep" + u, s[NativeG4.G_SEP_XI] * px);
    rt.addValue("xi_sep_err" + u, s[NativeG4.G_SEP_XI_ERR] * px);
    rt.addValue("xi_sep_ok", s[NativeG4.G_SEP_HAVE] == 1 ? s[NativeG4.G_SEP_OK] : Double.NaN);
    rt.addValue("sep_model", r.sepModel);
    rt.addValue("xi_sep_gamma_r", s[NativeG4.G_SEP_GAMMA_R]);
    rt.addValue("xi_sep_tau_frames", s[NativeG4.G_SEP_TAU]);
    rt.addValue("xi_sep_tau_s", r.dtS > 0 ? s[NativeG4.G_SEP_TAU] * r.dtS : Double.NaN);
    rt.addValue("xi_sep_gamma_t", s[NativeG4.G_SEP_GAMMA_T]);
    rt.addValue("xi_sep_chi2", s[NativeG4.G_SEP_CHI2]);
    rt.addValue("xi_contour" + u, s[NativeG4.G_CON_XI] * px);
    rt.addValue("xi_contour_err" + u, s[NativeG4.G_CON_XI_ERR] * px);
    rt.addValue("xi_contour_ok", s[NativeG4.G_CON_HAVE] == 1 ? s[NativeG4.G_CON_OK] : Double.NaN);
    rt.addValue("contour_ring_px", r.contourRing);
    rt.addValue("xi_contour_nu_frames", s[NativeG4.G_CON_NU]);
    rt.addValue("xi_contour_nu_s", r.dtS > 0 ? s[NativeG4.G_CON_NU] * r.dtS : Double.NaN);
    rt.addValue("xi_contour_points", s[NativeG4.G_CON_POINTS]);
    if (r.domain != null) {
      String du = "_" + r.domainUnit;
      double dp = r.domainPixelSize;
      rt.addValue("xi_domain_fwhm" + du, r.domain[NativeG4.D_FWHM] * dp);
      rt.addValue("xi_domain_fwhm_err" + du, r.domain[NativeG4.D_FWHM_ERR] * dp);
      rt.addValue("xi_domain_fwhm_x" + du, r.domain[NativeG4.D_FWHM_X] * dp);
      rt.addValue("xi_domain_fwhm_y" + du, r.domain[NativeG4.D_FWHM_Y] * dp);
      rt.addValue("xi_domain_fwhm_ok", r.domain[NativeG4.D_OK]);
    }
    rt.addValue("seconds", r.seconds);
    if (!Util.headless()) rt.show(TABLE);
    return rt;
  }
}
