// Mode g4 of FijiDriver: Plugins>ECM>Four-Point Correlation, headless, as a macro runs it.
// Data: the ecm command line simulator with cooperatively rearranging domains (the Fiji
// simulator has no domain option), opened in ImageJ from its TIFF. Checks: xi_exp against the
// simulator's xi_expected_px; every length equal to `ecm g4` on the same file with the same
// parameters; the g4 image equal to the CLI's; calibration, table columns, plots; bad input.
import ecm.fiji.EcmException;
import ecm.fiji.FourPointCorrelation;
import ecm.fiji.MapDisplay;
import ecm.fiji.NativeG4;
import ecm.fiji.Progress;
import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Mode_g4 {
  static String f(double v) {
    return String.format(Locale.ROOT, "%.6g", v);
  }

  /** Runs the command on imp with these macro options; its result, or null after an error. */
  static FourPointCorrelation.Result g4(final ImagePlus imp, String options)
      throws InterruptedException {
    final FourPointCorrelation cmd = new FourPointCorrelation();
    FijiDriver.asMacro(options, new Runnable() {
      public void run() {
        WindowManager.setTempCurrentImage(imp);
        cmd.run("");
      }
    });
    return cmd.getResult();
  }

  /** The ecm command line of this build: core/ecm in a folder above the working directory. */
  static File findCli() {
    for (File d = new File("").getAbsoluteFile(); d != null; d = d.getParentFile()) {
      File e = new File(d, "core/ecm");
      if (e.isFile() && e.canExecute()) return e;
    }
    return null;
  }

  static boolean exec(File dir, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir).redirectErrorStream(true);
    Process p = pb.start();
    BufferedReader br = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8));
    for (String line; (line = br.readLine()) != null;) System.out.println("  cli: " + line);
    return p.waitFor() == 0;
  }

  /** A number of a flat JSON key (NaN for null or missing). */
  static double json(String text, String key) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\": (null|[-+0-9.eE]+|NaN)")
                    .matcher(text);
    if (!m.find() || m.group(1).equals("null") || m.group(1).equals("NaN")) return Double.NaN;
    return Double.parseDouble(m.group(1));
  }

  static boolean close(double a, double b, double rel) {
    if (Double.isNaN(a) || Double.isNaN(b)) return false;
    return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + 1e-300;
  }

  public static void run() throws Exception {
    File cli = findCli();
    FijiDriver.check(cli != null, "ecm command line found (" + cli + ")");
    if (cli == null) return;
    File dir = new File("").getAbsoluteFile();
    String ecm = cli.getPath();
    // 64 x 64 px of 2 nm, 400 frames of 0.5 s, tau = 5 s (10 frames), domains of 8 px with
    // 80 % shared rearrangements (docs/g4.md's test case, map_corr 0: a uniform tau map).
    FijiDriver.check(exec(dir, ecm, "simulate", "darkfield", "-o", "dom", "-n", "400", "--width",
                         "64", "--height", "64", "--dt", "0.5", "--pixel-size", "2", "--tau", "5",
                         "--tau-sigma", "0", "--beta", "1", "--contrast", "0.3", "--map-corr",
                         "0", "--domain", "8", "--shared", "0.8", "--seed", "1", "--force", "-q"),
        "ecm simulate with domains");
    String truth = new String(Files.readAllBytes(new File(dir, "dom_truth.json").toPath()),
        StandardCharsets.UTF_8);
    double xiExpected = json(truth, "xi_expected_px");
    FijiDriver.check(xiExpected > 5 && xiExpected < 10, "xi_expected_px = " + f(xiExpected));
    ImagePlus imp = IJ.openImage(new File(dir, "dom.tif").getPath());
    FijiDriver.check(imp != null && imp.getNFrames() == 400 && imp.getWidth() == 64,
        "CLI stack opened in ImageJ: " + (imp == null ? "null" : imp.getNFrames() + " frames"));
    if (imp == null) return;
    Calibration ic = imp.getCalibration();
    FijiDriver.check(ic.pixelWidth == 2 && ic.getUnit().equals("nm"),
        "stack pixel size " + ic.pixelWidth + " " + ic.getUnit() + ", frame interval "
            + ic.frameInterval + " " + ic.getTimeUnit());

    String lags = "1,2,3,5,7,10,14,20,28,40";
    long t0 = System.nanoTime();
    FourPointCorrelation.Result r = g4(imp, "frame_interval=0 lags=" + lags
        + " lag_unit=frames variant=conventional max_radius=16 xi_lag=10"
        + " methods=exp,sep,contour sep_model=full contour_ring=1 threads=2");
    double secs = (System.nanoTime() - t0) * 1e-9;
    FijiDriver.check(r != null, "g4 produced a result (" + f(secs) + " s)");
    if (r == null) return;
    ImagePlus g = r.g4;
    Calibration gc = g.getCalibration();
    FijiDriver.check(g.getBitDepth() == 32 && g.getWidth() == 17 && g.getHeight() == 10,
        "g4 image 32-bit " + g.getWidth() + " x " + g.getHeight() + " (17 rings x 10 lags)");
    FijiDriver.check(gc.pixelWidth == 2 && gc.getUnit().equals("nm"),
        "g4 image calibrated " + gc.pixelWidth + " " + gc.getUnit());
    // MapDisplay.style: the perceptual LUT (a calibration bar only when the image can hold one)
    ij.process.LUT lut = g.getProcessor().getLut(), vir = MapDisplay.perceptualLut();
    boolean same = lut != null && lut.getMapSize() == vir.getMapSize();
    for (int i = 0; same && i < vir.getMapSize(); i++)
      same = lut.getRed(i) == vir.getRed(i) && lut.getGreen(i) == vir.getGreen(i)
          && lut.getBlue(i) == vir.getBlue(i);
    FijiDriver.check(same, "g4 image styled with the perceptual LUT");
    ResultsTable rt = r.table;
    FijiDriver.check(rt != null && rt.size() >= 1, "table '" + FourPointCorrelation.TABLE + "'");
    if (rt == null) return;
    int row = rt.size() - 1;
    for (String c : new String[] {"xi_exp_nm", "xi_exp_err_nm", "xi_sep_nm", "xi_sep_err_nm",
             "xi_contour_nm", "xi_contour_err_nm", "xi_exp_lag_frames", "variant"})
      FijiDriver.check(rt.getColumnIndex(c) >= 0, "column " + c);
    double xiExp = rt.getValue("xi_exp_nm", row) / 2; // px
    double err = rt.getValue("xi_exp_err_nm", row) / 2;
    // docs/g4.md: on this data the conventional xi_exp lies within 4.1 % of xi_expected_px
    // for seeds 1-3 (tests/unit/test_g4.c allows 10 %): finite-sample scatter of ~60 domains;
    // the fit's own error is ~0.5 px (7 %).
    FijiDriver.check(Math.abs(xiExp / xiExpected - 1) < 0.10,
        "xi_exp = " + f(xiExp) + " +- " + f(err) + " px vs xi_expected_px " + f(xiExpected)
            + " (" + f(100 * (xiExp / xiExpected - 1)) + " %, tolerance 10 %)");
    FijiDriver.check(rt.getValue("xi_exp_lag_frames", row) == 10 && rt.getValue("xi_exp_ok", row) == 1,
        "xi_exp fitted at dt = 10 frames, ok");
    FijiDriver.check(r.radialPlot != null && r.radialPlot.getNumPlotObjects() >= 3,
        "radial g4 plot with the fit (" + (r.radialPlot == null ? 0 : r.radialPlot.getNumPlotObjects())
            + " objects)");
    FijiDriver.check(r.contourPlot != null && r.contourPlot.getNumPlotObjects() >= 2,
        "contour plot with its fit");
    ImagePlus pi = r.radialPlot == null ? null : r.radialPlot.getImagePlus();
    FijiDriver.check(pi != null && pi.getWidth() > 100, "radial plot renders headless");

    // The same file through `ecm g4`: every length equal.
    FijiDriver.check(exec(dir, ecm, "g4", "dom.tif", "-o", "cli", "--dt-list", lags, "--variant",
                         "conventional", "--max-r", "16", "--xi-dt", "10", "--xi-methods",
                         "exp,sep,contour", "--sep-model", "full", "--contour-r", "1",
                         "--threads", "2", "--force", "-q"),
        "ecm g4 on the same TIFF");
    String js = new String(Files.readAllBytes(new File(dir, "cli_g4.json").toPath()),
        StandardCharsets.UTF_8);
    // FFTW MEASURE plans may change the last bits of g4 between processes (docs/g4.md):
    // equal to 1e-6 relative.
    String[] names = {"xi_exp", "xi_exp_err", "xi_sep", "xi_sep_err", "xi_contour",
        "xi_contour_err"};
    for (String n : names) {
      double want = json(js, n + "_nm"), got = rt.getValue(n + "_nm", row);
      FijiDriver.check(close(got, want, 1e-6), n + "_nm plugin " + f(got) + " = CLI " + f(want));
    }
    ImagePlus cg = IJ.openImage(new File(dir, "cli_g4.tif").getPath());
    double maxRel = 0;
    if (cg != null && cg.getWidth() == g.getWidth() && cg.getHeight() == g.getHeight()) {
      float[] a = (float[]) cg.getProcessor().getPixels(), b = (float[]) g.getProcessor().getPixels();
      for (int i = 0; i < a.length; i++)
        maxRel = Math.max(maxRel, Math.abs(a[i] - b[i]) / Math.max(1e-30, Math.abs(a[i])));
    } else {
      maxRel = Double.NaN;
    }
    FijiDriver.check(maxRel <= 1e-6, "g4 image equals the CLI's g4 TIFF (max rel diff "
        + maxRel + ")");

    // Lags in s (0.5 s per frame): the same lags, the same numbers.
    FourPointCorrelation.Result rs = g4(imp, "lags=0.5,1,1.5,2.5,3.5,5,7,10,14,20 lag_unit=s"
        + " variant=conventional max_radius=16 xi_lag=5 methods=exp threads=2");
    // (FFTW MEASURE plans are made per call: the last bits may differ, so 1e-6 relative)
    FijiDriver.check(rs != null && Arrays.equals(rs.lags, r.lags)
            && close(rs.raw.summary[NativeG4.G_XI], r.raw.summary[NativeG4.G_XI], 1e-6),
        "lag_unit=s gives the same lags and xi_exp ("
            + (rs == null ? "-" : f(rs.raw.summary[NativeG4.G_XI])) + " px)");
    // literal variant (the CLI default) runs and reports itself
    FourPointCorrelation.Result rl = g4(imp, "lags=5,10,20 variant=literal max_radius=8"
        + " methods=exp threads=2");
    FijiDriver.check(rl != null && rl.variant.equals("literal") && rl.g4.getHeight() == 3,
        "literal variant, 3 lags, max_radius 8");
    // auto lags: 5 per decade up to N/2
    FourPointCorrelation.Result ra = g4(imp, "lags=auto max_radius=6 methods=none threads=2");
    FijiDriver.check(ra != null && ra.lags[0] == 1 && ra.lags[ra.lags.length - 1] <= 200
            && ra.lags.length >= 10,
        "auto lags " + (ra == null ? "-" : FourPointCorrelationLags(ra.lags)));
    // ROI: only its pixels
    imp.setRoi(new ij.gui.Roi(8, 8, 40, 40));
    FourPointCorrelation.Result rr = g4(imp, "lags=10 max_radius=4 methods=none threads=2");
    FijiDriver.check(rr != null && rr.raw.summary[NativeG4.G_ROI_PIXELS] == 1600,
        "40 x 40 ROI -> 1600 pixels");
    imp.deleteRoi();

    // xi_domain_fwhm of a tau map (a TIFF path), against `ecm g4 --tau-map`.
    FijiDriver.check(exec(dir, ecm, "simulate", "darkfield", "-o", "map", "-n", "4", "--width",
                         "96", "--height", "96", "--pixel-size", "2", "--tau", "5",
                         "--tau-sigma", "0.5", "--map-corr", "3", "--seed", "2", "--force", "-q"),
        "ecm simulate with a correlated tau map");
    ImagePlus mimp = IJ.openImage(new File(dir, "map.tif").getPath());
    String tauPath = new File(dir, "map_true_tau.tif").getPath();
    FourPointCorrelation.Result rd = mimp == null ? null
        : g4(mimp, "lags=1 max_radius=2 methods=none tau_map=[" + tauPath + "] threads=2");
    FijiDriver.check(rd != null && rd.domain != null, "xi_domain_fwhm computed");
    FijiDriver.check(exec(dir, ecm, "g4", "map.tif", "-o", "clim", "--dt-list", "1", "--max-r",
                         "2", "--xi-methods", "none", "--tau-map", "map_true_tau.tif",
                         "--threads", "2", "--force", "-q"),
        "ecm g4 --tau-map");
    if (rd != null && rd.domain != null) {
      String jd = new String(Files.readAllBytes(new File(dir, "clim_g4.json").toPath()),
          StandardCharsets.UTF_8);
      double want = json(jd, "xi_domain_fwhm_nm");
      ResultsTable t = rd.table;
      double got = t.getValue("xi_domain_fwhm_nm", t.size() - 1);
      FijiDriver.check(close(got, want, 1e-9), "xi_domain_fwhm_nm plugin " + f(got) + " = CLI "
          + f(want));
      // docs/g4.md: within 4.5 % of 2.355 l on 128-px maps; a 96-px map holds fewer domains
      double exact = 2 * Math.sqrt(2 * Math.log(2)) * 3 * 2;
      FijiDriver.check(Math.abs(got / exact - 1) < 0.15, "xi_domain_fwhm " + f(got)
          + " nm vs 2.355 x 3 px x 2 nm = " + f(exact) + " (tolerance 15 %)");
    }

    // Bad input: an error message, no result, no crash.
    ImagePlus one = new ImagePlus("one", new FloatProcessor(16, 16));
    FijiDriver.check(g4(one, "lags=1") == null, "1-frame image refused");
    ij.ImageStack rgb = new ij.ImageStack(16, 16);
    for (int i = 0; i < 5; i++) rgb.addSlice(new ColorProcessor(16, 16));
    ImagePlus rgbImp = new ImagePlus("rgb", rgb);
    rgbImp.setDimensions(1, 1, 5);
    FijiDriver.check(g4(rgbImp, "lags=1") == null, "RGB stack refused");
    imp.setRoi(new ij.gui.Roi(100, 100, 10, 10));
    FijiDriver.check(g4(imp, "lags=1") == null, "ROI outside the image refused");
    imp.deleteRoi();
    String[] bad = {"lags=1 max_radius=-1", "lags=1 max_radius=1e9", "lags=1 max_radius=NaN",
        "lags=abc", "lags=-1", "lags=400", "lags=1.5", "lags=1 xi_lag=NaN", "lags=1 xi_lag=-2",
        "lags=1 variant=foo", "lags=1 methods=foo", "lags=1 sep_model=bar",
        "lags=1 frame_interval=-1", "lags=1 lag_unit=h", "lags=1 threads=-3",
        "lags=1 tau_map=[no such image]", "lags=1 contour_ring=1e12"};
    for (String b : bad) FijiDriver.check(g4(imp, b) == null, "refused: " + b);
    ImagePlus unc = new ImagePlus("uncal", imp.getStack());
    unc.setDimensions(1, 1, 400);
    FijiDriver.check(g4(unc, "lags=1 lag_unit=s") == null, "lags in s without a frame interval refused");
    // cancelled run
    FourPointCorrelation.Params p = new FourPointCorrelation.Params();
    p.lags = "1,10";
    try {
      FourPointCorrelation.compute(imp, p, new Progress() {
        public boolean update(double fr, String stage) {
          return true;
        }
      });
      FijiDriver.check(false, "cancel: no exception");
    } catch (EcmException e) {
      FijiDriver.check(e.isCancel(), "cancelled run -> EcmException code " + e.getCode());
    }
    // uncalibrated stack: xi in px
    FourPointCorrelation.Result ru = g4(unc, "lags=10 max_radius=8 methods=exp threads=2");
    FijiDriver.check(ru != null && ru.lengthUnit.equals("px")
            && ru.table.getColumnIndex("xi_exp_px") >= 0,
        "uncalibrated stack -> xi_exp_px column");
    System.out.println(String.format(Locale.ROOT,
        "ECM value g4 xi_exp_px=%.6g xi_expected_px=%.6g seconds=%.3f", xiExp, xiExpected, secs));
  }

  static String FourPointCorrelationLags(int[] l) {
    List<String> s = new ArrayList<>();
    for (int v : l) s.add(Integer.toString(v));
    return String.join(",", s);
  }
}
