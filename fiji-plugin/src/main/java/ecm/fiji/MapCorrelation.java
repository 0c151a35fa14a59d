package ecm.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.Plot;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import ij.process.ImageProcessor;
import java.util.Locale;

/**
 * Plugins>ECM>Map Correlation: Spearman rank correlation of two open maps of the same size
 * (ecm_stats_spearman_maps, as `ecm stats spearman`) over the pixels where both are finite
 * (and inside an area ROI on map 1), with the naive, effective-N and block-permutation p
 * values; a scatter plot and one row in the system Results table.
 */
public class MapCorrelation implements PlugIn {
  static final String TITLE = "Map Correlation";

  /** Parameters (the dialog's fields; macro keys in brackets). */
  public static final class Params {
    public ImagePlus map1, map2; // [map1] [map2] image titles
    public boolean log = false; // [log] logarithmic axes in the scatter plot
    public int block = 3; // [block] px, side of the permuted blocks
    public int permutations = 999; // [permutations] 0 = no permutation test
    public long seed = 1; // [seed]
    public int maxLag = 0; // [max_lag] px; 0 = 2 x block
  }

  /** Outputs of one run. */
  public static final class Result {
    /** The NativeStats.SR_* numbers. */
    public double[] stats;
    public String title1, title2;
    public int roiPixels; // pixels inside the ROI on map 1 (0 = no ROI)
    public int plotted; // points in the scatter plot
    public Plot plot;
  }

  private Result last;

  /** The outputs of the last successful run (for tests and scripts), or null. */
  public Result getResult() {
    return last;
  }

  @Override
  public void run(String arg) {
    try {
      if (WindowManager.getImageCount() == 0 && WindowManager.getCurrentImage() == null) {
        Util.error(TITLE, "There is no image open: open two maps of the same size first.");
        return;
      }
      Params p = ask();
      if (p == null) {
        Util.dontRecord();
        return;
      }
      Result r = compute(p);
      last = r;
      display(p, r);
    } catch (EcmException e) {
      Util.report(TITLE, e);
    } catch (RuntimeException e) {
      Util.internalError(TITLE, e);
    } catch (OutOfMemoryError e) {
      IJ.outOfMemory(TITLE);
    } finally {
      IJ.showProgress(1.0);
    }
  }

  /** An open image by title (batch-mode images included; the current image as a fallback). */
  static ImagePlus image(String key, String title) {
    if (title == null || title.isEmpty())
      throw new EcmException(EcmException.EINVAL, key + ": no image title given");
    ImagePlus imp = WindowManager.getImage(title);
    if (imp == null) {
      ImagePlus cur = WindowManager.getCurrentImage();
      if (cur != null && title.equals(cur.getTitle())) imp = cur;
    }
    if (imp == null) {
      String[] open = WindowManager.getImageTitles();
      throw new EcmException(EcmException.EINVAL, key + "=[" + title + "]: no open image has"
          + " that title" + (open.length > 0 ? " (open: " + String.join(", ", open) + ")" : ""));
    }
    return imp;
  }

  /** The dialog (one macro line), or the macro options when headless. */
  Params ask() {
    Settings st = new Settings("mapcorr");
    Params p = new Params();
    p.log = st.get("log", false);
    p.block = (int) st.get("block", 3.0);
    p.permutations = (int) st.get("permutations", 999.0);
    p.seed = (long) st.get("seed", 1.0);
    p.maxLag = (int) st.get("max_lag", 0.0);
    ImagePlus cur = WindowManager.getCurrentImage();
    if (Util.headless()) {
      Util.Options o = Util.Options.current();
      String def = cur != null ? cur.getTitle() : "";
      if (o.present()) {
        p.map1 = image("map1", o.text("map1", def));
        p.map2 = image("map2", o.text("map2", def));
        p.log = o.flag("log", false);
        p.block = Util.toInt("block", o.number("block", 3), 1, 1 << 20);
        p.permutations = Util.toInt("permutations", o.number("permutations", 999), 0, 100000000);
        p.seed = Util.toInt("seed", o.number("seed", 1), 0, Integer.MAX_VALUE);
        p.maxLag = Util.toInt("max_lag", o.number("max_lag", 0), 0, 1 << 20);
      } else {
        p.map1 = p.map2 = cur;
      }
      return p;
    }
    String[] titles = WindowManager.getImageTitles();
    String def1 = cur != null ? cur.getTitle() : titles.length > 0 ? titles[0] : "";
    String def2 = def1;
    for (String t : titles)
      if (!t.equals(def1)) {
        def2 = t;
        break;
      }
    GenericDialog gd = new GenericDialog(TITLE);
    gd.addImageChoice("Map1 (x; its ROI selects the pixels)", def1);
    gd.addImageChoice("Map2 (y)", def2);
    gd.addCheckbox("Log (logarithmic axes in the scatter plot)", p.log);
    gd.addNumericField("Block (px; side of the permuted blocks)", p.block, 0);
    gd.addNumericField("Permutations (0 = none)", p.permutations, 0);
    gd.addNumericField("Seed", p.seed, 0);
    gd.addNumericField("Max_lag (px; effective N; 0 = 2 x block)", p.maxLag, 0);
    Help.add(gd, "map-correlation");
    gd.showDialog();
    if (gd.wasCanceled()) return null;
    p.map1 = gd.getNextImage();
    p.map2 = gd.getNextImage();
    p.log = gd.getNextBoolean();
    p.block = Util.toInt("block", gd.getNextNumber(), 1, 1 << 20);
    p.permutations = Util.toInt("permutations", gd.getNextNumber(), 0, 100000000);
    p.seed = Util.toInt("seed", gd.getNextNumber(), 0, Integer.MAX_VALUE);
    p.maxLag = Util.toInt("max_lag", gd.getNextNumber(), 0, 1 << 20);
    if (gd.invalidNumber())
      throw new EcmException(EcmException.EINVAL, "a field does not hold a number");
    st.set("log", p.log);
    st.set("block", p.block);
    st.set("permutations", p.permutations);
    st.set("seed", p.seed);
    st.set("max_lag", p.maxLag);
    return p;
  }

  /** The values of the image's current slice as floats (8/16-bit converted; RGB refused). */
  static float[] values(ImagePlus imp) {
    if (imp.getType() == ImagePlus.COLOR_RGB || imp.getType() == ImagePlus.COLOR_256)
      throw new EcmException(EcmException.EUNSUPPORTED, "'" + imp.getTitle() + "' is a colour"
          + " image: map correlation needs 8-, 16- or 32-bit maps");
    ImageProcessor ip = imp.getProcessor();
    Object px = ip.getPixels();
    if (px instanceof float[]) return (float[]) px;
    return (float[]) ip.convertToFloat().getPixels();
  }

  /** The computation: no dialog, no display. Throws EcmException for any refusal. */
  public static Result compute(Params p) {
    if (p.map1 == null || p.map2 == null)
      throw new EcmException(EcmException.EINVAL, "two maps are needed (map1 and map2)");
    ImagePlus a = p.map1, b = p.map2;
    int w = a.getWidth(), h = a.getHeight();
    if (b.getWidth() != w || b.getHeight() != h)
      throw new EcmException(EcmException.EINVAL, "'" + b.getTitle() + "' is " + b.getWidth()
          + " x " + b.getHeight() + " pixels but '" + a.getTitle() + "' is " + w + " x " + h
          + ": the maps must have the same size");
    float[] va = values(a), vb = values(b);
    byte[] mask = Util.roiMask(a);
    int usable = 0;
    for (int i = 0; i < va.length; i++)
      if ((mask == null || mask[i] != 0) && isFinite(va[i]) && isFinite(vb[i])) usable++;
    if (usable < 3)
      throw new EcmException(EcmException.ENODATA, "'" + a.getTitle() + "' and '" + b.getTitle()
          + "' have " + usable + " pixel(s) where both are finite"
          + (mask != null ? " inside the ROI" : "") + ": the correlation needs at least 3");
    IJ.log(TITLE + ": '" + a.getTitle() + "' (x) and '" + b.getTitle() + "' (y), " + w + " x " + h
        + ", " + usable + " pixels" + (mask != null ? " inside the ROI" : "") + ", block="
        + p.block + ", permutations=" + p.permutations + ", seed=" + p.seed + ", max_lag="
        + p.maxLag);
    long t0 = System.nanoTime();
    double[] s = NativeStats.spearman(va, vb, mask, w, h, p.block, p.permutations, p.seed,
        p.maxLag);
    Result r = new Result();
    r.stats = s;
    r.title1 = a.getTitle();
    r.title2 = b.getTitle();
    r.roiPixels = mask != null ? Util.count(mask) : 0;
    r.plot = scatter(a, b, va, vb, mask, p.log, r);
    IJ.log(TITLE + ": rho=" + Util.fmt(s[NativeStats.SR_RHO]) + " over "
        + (long) s[NativeStats.SR_N] + " pixels; p_naive=" + Util.fmt(s[NativeStats.SR_P_NAIVE])
        + ", n_eff=" + Util.fmt(s[NativeStats.SR_N_EFF]) + ", p_eff="
        + Util.fmt(s[NativeStats.SR_P_EFF]) + ", p_perm=" + Util.fmt(s[NativeStats.SR_P_PERM])
        + " (" + (long) s[NativeStats.SR_BLOCKS] + " blocks); "
        + String.format(Locale.ROOT, "%.3f", (System.nanoTime() - t0) * 1e-9) + " s");
    if (p.permutations > 0 && Double.isNaN(s[NativeStats.SR_P_PERM]))
      IJ.log(TITLE + ": no block permutation test: " + (long) s[NativeStats.SR_BLOCKS]
          + " complete " + p.block + " x " + p.block + " blocks (need 2)");
    long k = (long) s[NativeStats.SR_BLOCKS];
    if (p.permutations > 0 && k >= 2 && k < 7) // k! < 1000: p_perm cannot get small
      IJ.log(TITLE + ": p_perm rests on only " + k + " complete " + p.block + " x " + p.block
          + " blocks (k! = " + factorial(k) + " orderings): choose a smaller block");
    return r;
  }

  static long factorial(long k) {
    long f = 1;
    for (long i = 2; i <= k; i++) f *= i;
    return f;
  }

  static boolean isFinite(float v) {
    return !Float.isNaN(v) && !Float.isInfinite(v);
  }

  private static String axis(ImagePlus imp) {
    String u = imp.getCalibration().getValueUnit();
    return imp.getTitle() + (u != null && !u.isEmpty() && !u.equals("Gray Value") ? " (" + u + ")"
                                                                                  : "");
  }

  /** The used pixels as points (only positive pairs on log axes). */
  static Plot scatter(ImagePlus a, ImagePlus b, float[] va, float[] vb, byte[] mask, boolean log,
      Result r) {
    int n = 0;
    double[] x = new double[va.length], y = new double[va.length];
    for (int i = 0; i < va.length; i++) {
      if (mask != null && mask[i] == 0) continue;
      if (!isFinite(va[i]) || !isFinite(vb[i])) continue;
      if (log && !(va[i] > 0 && vb[i] > 0)) continue;
      x[n] = va[i];
      y[n] = vb[i];
      n++;
    }
    r.plotted = n;
    Plot plot = new Plot("Map correlation: " + a.getTitle() + " vs " + b.getTitle(),
        axis(a), axis(b));
    if (log) {
      plot.setAxisXLog(true);
      plot.setAxisYLog(true);
    }
    plot.add("dot", java.util.Arrays.copyOf(x, n), java.util.Arrays.copyOf(y, n));
    plot.setLimitsToFit(false);
    plot.addLegend(String.format(Locale.ROOT,
        "rho = %.3f, p_eff = %.3g, p_perm = %.3g (%d blocks), n = %d",
        r.stats[NativeStats.SR_RHO], r.stats[NativeStats.SR_P_EFF],
        r.stats[NativeStats.SR_P_PERM], (long) r.stats[NativeStats.SR_BLOCKS],
        (long) r.stats[NativeStats.SR_N]));
    if (log && n < (long) r.stats[NativeStats.SR_N])
      IJ.log(TITLE + ": " + ((long) r.stats[NativeStats.SR_N] - n)
          + " pixel(s) with a non-positive value are not drawn on the log axes (they count in"
          + " rho)");
    return plot;
  }

  /** Show the plot and append the row to the system Results table. */
  static void display(Params p, Result r) {
    if (!Util.headless()) r.plot.show();
    addRow(r, p);
  }

  /** One row in the system Results table (precision 9). */
  public static void addRow(Result r, Params p) {
    double[] s = r.stats;
    ResultsTable rt = ResultsTable.getResultsTable();
    rt.setPrecision(9);
    rt.incrementCounter();
    rt.addValue("map1", r.title1);
    rt.addValue("map2", r.title2);
    rt.addValue("n", s[NativeStats.SR_N]);
    rt.addValue("rho", s[NativeStats.SR_RHO]);
    rt.addValue("p_naive", s[NativeStats.SR_P_NAIVE]);
    rt.addValue("n_eff", s[NativeStats.SR_N_EFF]);
    rt.addValue("p_eff", s[NativeStats.SR_P_EFF]);
    rt.addValue("p_perm", s[NativeStats.SR_P_PERM]);
    rt.addValue("rho_blocks", s[NativeStats.SR_RHO_BLOCKS]);
    rt.addValue("blocks", s[NativeStats.SR_BLOCKS]);
    rt.addValue("n_perm_pixels", s[NativeStats.SR_N_PERM_PIXELS]);
    rt.addValue("permutations", s[NativeStats.SR_PERMUTATIONS]);
    rt.addValue("block_px", p.block);
    rt.addValue("max_lag_px", s[NativeStats.SR_MAX_LAG]);
    rt.addValue("seed", p.seed);
    rt.addValue("roi_pixels", r.roiPixels);
    if (!Util.headless()) rt.show("Results");
  }
}
