package ecm.fiji;

import ij.IJ;
import ij.ImageListener;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.ImageCanvas;
import ij.gui.Plot;
import ij.gui.PlotWindow;
import ij.gui.Roi;
import ij.gui.RoiListener;
import ij.macro.Interpreter;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import java.awt.Color;
import java.awt.EventQueue;
import java.awt.event.MouseAdapter;
import java.awt.event.MouseEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Plugins>ECM>g2 Inspector: the g2 of one pixel (or the ensemble g2 of an area ROI) of the
 * current stack with its per-bin standard errors, the KWW fit and the residuals in a Plot
 * (log time axis, fit values in the legend). The pixel's numbers are those of Relaxation
 * Maps at that pixel (same core code). Interactively, clicks on the stack (or on one of its
 * maps) and ROIs drawn on it update the plot; the stack is copied once per session.
 */
public class G2Inspector implements PlugIn {
  static final String TITLE = "g2 Inspector";
  /** Title of the table holding the displayed curve (t, g2, sem, fit, residual). */
  public static final String CURVE_TABLE = "g2 curve";
  /** Title of the plot window. */
  public static final String PLOT_TITLE = "g2 Inspector";

  /** Parameters (the dialog's fields; macro keys in brackets). */
  public static final class Params extends G2Params {
    public int x = -1, y = -1; // [x] [y] pixel, 0-based; -1 = the ROI, else the centre
  }

  /** What one computation gave. */
  public static final class Result {
    /** "pixel" or "roi". */
    public String target;
    /** The pixel (0-based), or -1 for a ROI. */
    public int x = -1, y = -1;
    public NativeG2.Curve curve;
    /** "s" or "frames". */
    public String timeUnit;
    public int frames;
    public Plot plot;
    public ResultsTable table;
    /** Seconds the native computation took. */
    public double seconds;
  }

  private Result last;
  // ---- the session (one native copy of the stack) ----
  private ImagePlus imp;
  private Params params;
  private volatile long handle;
  private volatile boolean closed = true;
  private String baseTitle = "";
  // ---- interactive state (GUI only) ----
  private PlotWindow plotWindow;
  private final List<ImageCanvas> canvases = new ArrayList<>();
  private MouseAdapter mouse;
  private RoiListener roiListener;
  private ImageListener imageListener;
  private final Object queueLock = new Object();
  private Runnable pending;
  private Thread worker;

  private static final List<G2Inspector> ACTIVE = new ArrayList<>();

  /** The result of the last computation (run, showPixel or showRoi), or null. */
  public Result getResult() {
    return last;
  }

  @Override
  public void run(String arg) {
    Util.runOnCurrentImage(TITLE, this::ask, this::computeFirst, this::display, r -> last = r);
  }

  /** True when the plot can be shown and clicks followed. */
  static boolean interactive() {
    return !Util.headless() && !Interpreter.isBatchMode();
  }

  Params ask(ImagePlus imp) {
    Settings st = new Settings("inspector");
    Params p = new Params();
    p.seed(st);
    boolean areaRoi = imp.getRoi() != null && imp.getRoi().isArea();
    if (Util.headless()) {
      Util.Options o = Util.Options.current();
      if (o.present()) {
        p.parse(o);
        p.x = Util.toInt("x", o.number("x", -1), -1, Integer.MAX_VALUE);
        p.y = Util.toInt("y", o.number("y", -1), -1, Integer.MAX_VALUE);
      }
      return p;
    }
    Calibration cal = imp.getCalibration();
    GenericDialog gd = new GenericDialog(TITLE);
    gd.addMessage("Image: " + imp.getTitle() + " (" + imp.getNFrames() + " frames, "
        + imp.getNSlices() + " slices); frame interval in Image>Properties: "
        + cal.frameInterval + " " + cal.getTimeUnit()
        + "\nClick a pixel of the stack (or of its maps) to see its g2;"
        + "\ndraw an area ROI for the ensemble g2 of its pixels."
        + (areaRoi ? "\nWith x = y = -1 the ROI is shown first." : ""));
    p.addFields(gd, "half the series");
    gd.addNumericField("X (pixel; -1 = ROI or image centre)", p.x, 0);
    gd.addNumericField("Y (pixel; -1 = ROI or image centre)", p.y, 0);
    Help.add(gd, "g2-inspector");
    gd.showDialog();
    if (gd.wasCanceled()) return null;
    p.readFields(gd);
    p.x = Util.toInt("x", gd.getNextNumber(), -1, Integer.MAX_VALUE);
    p.y = Util.toInt("y", gd.getNextNumber(), -1, Integer.MAX_VALUE);
    if (gd.invalidNumber())
      throw new EcmException(EcmException.EINVAL, "a field does not hold a number");
    p.remember(st);
    return p;
  }

  /**
   * Open a session on imp: checks the parameters and copies the stack once into native
   * memory (4 bytes per pixel and frame). Closes a session this object had open.
   */
  public synchronized void open(ImagePlus stack, Params p) {
    close();
    if (p == null) throw new EcmException(EcmException.EINVAL, "no parameters");
    if (!(p.pointsPerDecade > 0) || p.pointsPerDecade > 1000)
      throw new EcmException(EcmException.EINVAL, "points per decade must be in (0, 1000]");
    if (p.maxLag < 0) throw new EcmException(EcmException.EINVAL, "max_lag must be >= 0");
    p.checkThresholds();
    Object[] slices = Util.timeSlices(stack, p.slicesAsTime, "the g2 inspector", 3);
    if (p.maxLag > slices.length - 2)
      throw new EcmException(EcmException.EINVAL, "max_lag=" + p.maxLag + " is too large for "
          + slices.length + " frames (at most " + (slices.length - 2) + ")");
    Util.TimeAxis axis = Util.timeAxis(stack, p.frameInterval);
    double dt = axis.dt;
    String unit = axis.unit;
    long h = NativeG2.open(slices, stack.getWidth(), stack.getHeight(), dt, unit);
    imp = stack;
    params = p;
    baseTitle = stack.getShortTitle();
    handle = h;
    closed = false;
    IJ.log(TITLE + ": " + stack.getTitle() + ", " + slices.length + " frames of "
        + stack.getWidth() + " x " + stack.getHeight() + ", frame interval "
        + (dt > 0 ? Util.fmt(dt) + " " + unit : "unknown (lags in frames)")
        + ", points_per_decade=" + Util.fmt(p.pointsPerDecade) + ", max_lag=" + p.maxLag
        + ", bias_correction=" + p.biasCorrection + ", no_decay_dchi2="
        + Util.fmt(p.noDecayDchi2) + ", unresolved=" + Util.fmt(p.unresolvedFrac)
        + "; native copy "
        + String.format(Locale.ROOT, "%.1f", 4.0 * slices.length * stack.getWidth()
            * stack.getHeight() / (1 << 20)) + " MB");
  }

  /** True while a session is open. */
  public boolean isOpen() {
    return !closed;
  }

  /** The native handle of the session (for tests), 0 when none was opened. */
  public long handle() {
    return handle;
  }

  /**
   * Close the session: remove the listeners, free the native copy. Safe to call any number
   * of times, from any thread; a computation running meanwhile finishes on its own reference.
   */
  public void close() {
    long h;
    synchronized (this) {
      h = closed ? 0 : handle;
      closed = true;
    }
    detach();
    if (h != 0) NativeG2.close(h);
    synchronized (ACTIVE) {
      ACTIVE.remove(this);
    }
  }

  private void checkOpen() {
    if (closed)
      throw new EcmException(EcmException.EINVAL, "the g2 inspector session is closed");
  }

  /** g2 and fit of pixel (x, y) (0-based); updates the plot and the curve table. */
  public Result showPixel(int x, int y) {
    Result r = pixel(x, y);
    show(r);
    return r;
  }

  /** Ensemble g2 of the pixels of an area ROI; updates the plot and the curve table. */
  public Result showRoi(Roi roi) {
    Result r = roi(roi);
    show(r);
    return r;
  }

  /** g2 and fit of pixel (x, y), no display. */
  public Result pixel(int x, int y) {
    checkOpen();
    if (x < 0 || y < 0 || x >= imp.getWidth() || y >= imp.getHeight())
      throw new EcmException(EcmException.EINVAL, "pixel (" + x + ", " + y
          + ") is outside the " + imp.getWidth() + " x " + imp.getHeight() + " image");
    long t0 = System.nanoTime();
    NativeG2.Curve c = NativeG2.pixel(handle, x, y, params.pointsPerDecade, params.maxLag,
        params.biasCorrection, params.noDecayDchi2, params.unresolvedFrac);
    Result r = result(c, t0);
    r.target = "pixel";
    r.x = x;
    r.y = y;
    finish(r);
    return r;
  }

  /** Ensemble g2 of an area ROI of the stack, no display. */
  public Result roi(Roi roi) {
    checkOpen();
    if (roi == null || !roi.isArea())
      throw new EcmException(EcmException.EINVAL, "the ensemble g2 needs an area ROI");
    byte[] mask = mask(roi, imp.getWidth(), imp.getHeight());
    if (Util.count(mask) == 0)
      throw new EcmException(EcmException.EINVAL, "the ROI on '" + imp.getTitle()
          + "' contains no pixel of the image");
    long t0 = System.nanoTime();
    NativeG2.Curve c = NativeG2.roi(handle, mask, params.pointsPerDecade, params.maxLag,
        params.biasCorrection, params.noDecayDchi2, params.unresolvedFrac, 0, null);
    Result r = result(c, t0);
    r.target = "roi";
    finish(r);
    return r;
  }

  private Result result(NativeG2.Curve c, long t0) {
    Result r = new Result();
    r.seconds = (System.nanoTime() - t0) * 1e-9;
    r.curve = c;
    r.timeUnit = c.seconds() ? "s" : "frames";
    r.frames = (int) c.params[NativeG2.P_FRAMES];
    return r;
  }

  private void finish(Result r) {
    r.plot = plot(r, baseTitle);
    r.table = curveTable(r);
    last = r;
  }

  /** A width*height mask of an area ROI (1 = inside), clipped to the image. */
  static byte[] mask(Roi roi, int w, int h) {
    byte[] m = new byte[w * h];
    java.awt.Rectangle b = roi.getBounds();
    ij.process.ImageProcessor rm = roi.getMask();
    for (int y = Math.max(0, b.y); y < Math.min(h, b.y + b.height); y++) {
      for (int x = Math.max(0, b.x); x < Math.min(w, b.x + b.width); x++) {
        if (rm == null || rm.get(x - b.x, y - b.y) != 0) m[y * w + x] = 1;
      }
    }
    return m;
  }

  // ---- the command ----

  /** Open the session and compute the requested pixel or ROI (the first view). */
  Result computeFirst(ImagePlus stack, Params p, Progress progress) {
    open(stack, p);
    try {
      Roi roi = stack.getRoi();
      Result r;
      if ((p.x >= 0) != (p.y >= 0))
        throw new EcmException(EcmException.EINVAL, "give both x and y (or neither)");
      if (p.x >= 0) {
        r = pixel(p.x, p.y);
      } else if (roi != null && roi.isArea()) {
        r = roi(roi);
      } else {
        r = pixel(stack.getWidth() / 2, stack.getHeight() / 2);
      }
      log(r);
      if (!interactive()) close();
      return r;
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  /** Results row, curve table, plot; interactive: follow clicks and ROIs. */
  void display(ImagePlus stack, Result r) {
    addResultsRow(stack.getTitle(), r);
    if (!interactive()) return;
    try {
      showNow(r);
      attach();
    } catch (RuntimeException e) {
      close(); // no window to follow: free the session's native copy now
      throw e;
    }
  }

  static void log(Result r) {
    double[] q = r.curve.params;
    String u = r.timeUnit;
    IJ.log(TITLE + ": " + where(r) + ": tau=" + Util.fmt(q[NativeG2.P_TAU]) + " +- "
        + Util.fmt(q[NativeG2.P_TAU_ERR]) + " " + u + ", beta=" + Util.fmt(q[NativeG2.P_BETA])
        + ", A=" + Util.fmt(q[NativeG2.P_A]) + ", chi2_red=" + Util.fmt(q[NativeG2.P_CHI2])
        + ", state " + r.curve.stateName() + "; "
        + String.format(Locale.ROOT, "%.4f", r.seconds) + " s");
  }

  static String where(Result r) {
    return "roi".equals(r.target)
        ? "ROI of " + (long) r.curve.params[NativeG2.P_N_PIXELS] + " pixels"
        : "pixel (" + r.x + ", " + r.y + ")";
  }

  /** One row in the system Results table (precision 9). */
  public static void addResultsRow(String title, Result r) {
    double[] q = r.curve.params;
    String u = r.timeUnit.equals("s") ? "_s" : "_frames";
    ResultsTable rt = ResultsTable.getResultsTable();
    rt.setPrecision(9);
    rt.incrementCounter();
    rt.addValue("image", title);
    rt.addValue("target", r.target);
    rt.addValue("x", r.x >= 0 ? r.x : Double.NaN);
    rt.addValue("y", r.y >= 0 ? r.y : Double.NaN);
    rt.addValue("n_pixels", q[NativeG2.P_N_PIXELS]);
    rt.addValue("n_valid", q[NativeG2.P_N_VALID]);
    rt.addValue("frames", q[NativeG2.P_FRAMES]);
    rt.addValue("dt" + u, q[NativeG2.P_DT]);
    rt.addValue("nbins", q[NativeG2.P_NBINS]);
    rt.addValue("tau" + u, q[NativeG2.P_TAU]);
    rt.addValue("tau_err" + u, q[NativeG2.P_TAU_ERR]);
    rt.addValue("beta", q[NativeG2.P_BETA]);
    rt.addValue("beta_err", q[NativeG2.P_BETA_ERR]);
    rt.addValue("A", q[NativeG2.P_A]);
    rt.addValue("A_err", q[NativeG2.P_A_ERR]);
    rt.addValue("B", q[NativeG2.P_B]);
    rt.addValue("chi2_red", q[NativeG2.P_CHI2]);
    rt.addValue("state_code", q[NativeG2.P_STATE]);
    rt.addValue("state", r.curve.stateName());
    if (!Util.headless()) rt.show("Results");
  }

  /** The curve as a table titled {@link #CURVE_TABLE}: t, g2, sem, fit, residual. */
  static ResultsTable curveTable(Result r) {
    NativeG2.Curve c = r.curve;
    ResultsTable t = new ResultsTable();
    t.setPrecision(9);
    String tc = "t_" + (r.timeUnit.equals("s") ? "s" : "frames");
    for (int k = 0; k < c.t.length; k++) {
      t.incrementCounter();
      t.addValue(tc, c.t[k]);
      t.addValue("g2", c.g2[k]);
      t.addValue("sem", c.sem[k]);
      t.addValue("fit", c.fit[k]);
      t.addValue("residual", c.residual[k]);
    }
    return t;
  }

  /** Three significant digits (plot legend, status line). */
  static String fmt3(double v) {
    return String.format(Locale.ROOT, "%.3g", v);
  }

  private static String pm(double v, double e) {
    if (Double.isNaN(v)) return "NaN";
    return Double.isNaN(e) ? fmt3(v) : fmt3(v) + " \u00b1 " + fmt3(e);
  }

  /**
   * The plot: g2 points with their standard errors, the fitted model, and the residuals
   * (g2 - model, with the same error bars) drawn below the curve, shifted by a constant;
   * a dotted line marks their zero, whose level the legend gives. Log time axis.
   */
  static Plot plot(Result r, String base) {
    NativeG2.Curve c = r.curve;
    double[] q = c.params;
    String u = r.timeUnit;
    int n = c.t.length;
    double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
    double rlo = Double.POSITIVE_INFINITY, rhi = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < n; k++) {
      double e = Double.isNaN(c.sem[k]) ? 0 : c.sem[k];
      if (!Double.isNaN(c.g2[k])) {
        lo = Math.min(lo, c.g2[k] - e);
        hi = Math.max(hi, c.g2[k] + e);
      }
      if (!Double.isNaN(c.fit[k])) {
        lo = Math.min(lo, c.fit[k]);
        hi = Math.max(hi, c.fit[k]);
      }
      if (!Double.isNaN(c.residual[k])) {
        rlo = Math.min(rlo, c.residual[k] - e);
        rhi = Math.max(rhi, c.residual[k] + e);
      }
    }
    boolean haveRes = rhi >= rlo;
    if (!(hi >= lo)) {
      lo = 0.9;
      hi = 1.1;
    }
    double gap = 0.08 * Math.max(hi - lo, 1e-6);
    double off = haveRes ? lo - gap - rhi : lo;
    double ymin = haveRes ? off + rlo - gap : lo - gap;
    double ymax = hi + gap + 0.3 * (hi + gap - ymin); // headroom for the legend
    String title = PLOT_TITLE;
    Plot p = new Plot(title, "t (" + u + ")", "g2");
    p.setLogScaleX();
    double t0 = n > 0 ? c.t[0] : 1, t1 = n > 0 ? c.t[n - 1] : 10;
    p.setLimits(t0 / 1.3, t1 * 1.3, ymin, ymax);
    StringBuilder legend = new StringBuilder();
    // 1: the data
    p.setColor(Color.black);
    p.addPoints(c.t, c.g2, Plot.CIRCLE);
    p.addErrorBars(c.sem);
    legend.append("g2 \u00b1 sem, ").append("roi".equals(r.target)
        ? "ROI ensemble of " + (long) q[NativeG2.P_N_VALID] + " pixels"
        : base + " pixel (" + r.x + ", " + r.y + ")").append('\n');
    // 2: the model
    p.setColor(Color.red);
    p.setLineWidth(2);
    p.addPoints(c.curveT, c.curveFit, Plot.LINE);
    p.setLineWidth(1);
    if (c.state() == 0) {
      legend.append("KWW: \u03c4 = ").append(pm(q[NativeG2.P_TAU], q[NativeG2.P_TAU_ERR]))
          .append(' ').append(u).append(", \u03b2 = ")
          .append(pm(q[NativeG2.P_BETA], q[NativeG2.P_BETA_ERR])).append(", A = ")
          .append(pm(q[NativeG2.P_A], q[NativeG2.P_A_ERR])).append(", \u03c7\u00b2red = ")
          .append(fmt3(q[NativeG2.P_CHI2])).append('\n');
    } else {
      legend.append("no KWW fit: ").append(c.stateName())
          .append(Double.isNaN(q[NativeG2.P_TAU]) ? ""
                                                  : " (\u03c4 > " + fmt3(q[NativeG2.P_TAU])
                                                      + " " + u + ")")
          .append('\n');
    }
    // 3: the residuals, shifted
    double[] rs = new double[n];
    for (int k = 0; k < n; k++) rs[k] = c.residual[k] + off;
    p.setColor(new Color(0, 110, 200));
    p.addPoints(c.t, rs, Plot.DIAMOND);
    p.addErrorBars(c.sem);
    legend.append("residual g2 - fit (its zero: dotted line at ").append(fmt3(off)).append(')');
    p.setColor(Color.gray);
    if (haveRes) p.drawDottedLine(t0 / 1.3, off, t1 * 1.3, off, 2);
    p.setColor(Color.black);
    p.setLegend(legend.toString(), Plot.TOP_RIGHT);
    return p;
  }

  // ---- interactive part (GUI only) ----

  /** Show the result in the plot window and the curve table (on the event thread). */
  private void show(final Result r) {
    if (!interactive()) return;
    if (EventQueue.isDispatchThread()) {
      showNow(r);
    } else {
      EventQueue.invokeLater(new Runnable() {
        public void run() {
          showNow(r);
        }
      });
    }
  }

  private void showNow(Result r) {
    try {
      if (plotWindow != null && plotWindow.isVisible() && !plotWindow.isClosed()) {
        plotWindow.drawPlot(r.plot);
      } else {
        plotWindow = r.plot.show();
      }
      r.table.show(CURVE_TABLE);
      IJ.showStatus(TITLE + ": " + where(r) + ", tau=" + fmt3(r.curve.params[NativeG2.P_TAU])
          + " " + r.timeUnit + " (" + String.format(Locale.ROOT, "%.0f", r.seconds * 1000)
          + " ms)");
    } catch (RuntimeException e) {
      IJ.log(TITLE + ": cannot update the plot: " + e);
    }
  }

  /** Queue a computation for the worker thread; a newer request replaces a waiting one. */
  private void submit(Runnable job) {
    synchronized (queueLock) {
      pending = job;
      if (worker == null) {
        worker = new Thread(new Runnable() {
          public void run() {
            drain();
          }
        }, "ECM g2 Inspector");
        worker.setDaemon(true);
        worker.start();
      }
    }
  }

  private void drain() {
    while (true) {
      Runnable job;
      synchronized (queueLock) {
        job = pending;
        pending = null;
        if (job == null) {
          worker = null;
          return;
        }
      }
      try {
        job.run();
      } catch (EcmException e) {
        if (!closed) IJ.showStatus(TITLE + ": " + e.getMessage());
      } catch (RuntimeException e) {
        IJ.log(TITLE + ": " + e);
      } catch (OutOfMemoryError e) {
        IJ.outOfMemory(TITLE);
      }
    }
  }

  /** A map of this stack: same size, title starting with the stack's short title. */
  private boolean isCompanion(ImagePlus other) {
    return other != null && other != imp && other.getWidth() == imp.getWidth()
        && other.getHeight() == imp.getHeight() && other.getTitle().startsWith(baseTitle);
  }

  private void listen(ImagePlus target) {
    ImageCanvas cv = target.getCanvas();
    if (cv == null || canvases.contains(cv)) return;
    cv.addMouseListener(mouse);
    canvases.add(cv);
  }

  private void attach() {
    List<G2Inspector> older = new ArrayList<>();
    synchronized (ACTIVE) {
      for (G2Inspector o : ACTIVE)
        if (o != this && o.imp == imp) older.add(o);
    }
    for (G2Inspector o : older) o.close(); // one session per stack: the newest
    synchronized (this) {
      if (closed || !interactive()) return;
      attachListeners();
    }
    synchronized (ACTIVE) {
      ACTIVE.add(this);
    }
  }

  private void attachListeners() {
    mouse = new MouseAdapter() {
      @Override
      public void mouseClicked(MouseEvent e) {
        Object src = e.getSource();
        if (!(src instanceof ImageCanvas)) return;
        ImageCanvas cv = (ImageCanvas) src;
        final int x = cv.offScreenX(e.getX()), y = cv.offScreenY(e.getY());
        if (x < 0 || y < 0 || x >= imp.getWidth() || y >= imp.getHeight()) return;
        submit(new Runnable() {
          public void run() {
            showPixel(x, y);
          }
        });
      }
    };
    roiListener = new RoiListener() {
      public void roiModified(ImagePlus source, int id) {
        if (source == null || (source != imp && !isCompanion(source))) return;
        if (id == RoiListener.DELETED) return;
        final Roi roi = source.getRoi();
        if (roi == null || !roi.isArea() || roi.getState() == Roi.CONSTRUCTING) return;
        final Roi copy = (Roi) roi.clone();
        submit(new Runnable() {
          public void run() {
            showRoi(copy);
          }
        });
      }
    };
    imageListener = new ImageListener() {
      public void imageOpened(ImagePlus o) {
        if (isCompanion(o)) listen(o);
      }

      public void imageClosed(ImagePlus o) {
        if (o == imp) close();
      }

      public void imageUpdated(ImagePlus o) {}
    };
    listen(imp);
    int[] ids = WindowManager.getIDList();
    if (ids != null) {
      for (int id : ids) {
        ImagePlus o = WindowManager.getImage(id);
        if (isCompanion(o)) listen(o);
      }
    }
    Roi.addRoiListener(roiListener);
    ImagePlus.addImageListener(imageListener);
  }

  private synchronized void detach() {
    for (ImageCanvas cv : canvases) cv.removeMouseListener(mouse);
    canvases.clear();
    if (roiListener != null) Roi.removeRoiListener(roiListener);
    if (imageListener != null) ImagePlus.removeImageListener(imageListener);
    roiListener = null;
    imageListener = null;
  }
}
