// teaching_lab.ijm -- the ECM teaching lab, end to end, on a simulated stack with known truth.
//
// Steps: Simulate ECM Stack (a drifting sample with static crystals, and its truth tau map) ->
// Align Stack (undo the drift) -> Relaxation Maps ->
// Tau Histogram -> g2 Inspector at one pixel -> Two-Time Correlation -> Map Correlation of the
// measured tau map against the truth map. Every step is one recorded run("...") line; change a
// number and run it again to see what it does. Run it from Plugins>Macros>Run... in Fiji, or
// headless: java -Djava.awt.headless=true -cp ij.jar ij.ImageJ -ijpath IMAGEJ_HOME -batch teaching_lab.ijm
// Optional argument: "size=32 frames=400 seed=1 drift_x=6 drift_y=-3 crystals=3
// crystal_radius=3" (defaults as here; e.g. crystals=0 shows why static features matter).
// Log lines for scripts: "ECM-MACRO teaching_lab <step> ok ...", last "... done".
// docs/fiji/macros.md describes it.

NAME = "teaching_lab";

// Plain ImageJ 1.x with -Djava.awt.headless=true has no menus: register the commands
// (ecm.fiji.Headless, in ECM_Analysis.jar). Fiji and ImageJ with a display skip this.
if (call("java.awt.GraphicsEnvironment.isHeadless") == "true") {
  commands = "" + call("ij.Menus.getCommands");   // "{...}" once ImageJ has its command table
  if (!startsWith(commands, "{")) {
    if (call("java.lang.System.getProperty", "plugins.dir", "") == "")
      call("java.lang.System.setProperty", "plugins.dir", call("ij.Prefs.getHomeDir"));
    installed = call("ecm.fiji.Headless.install");
  }
}
arg = getArgument();
size = parseInt(call("ij.Macro.getValue", arg, "size", "32"));
frames = parseInt(call("ij.Macro.getValue", arg, "frames", "400"));
seed = parseInt(call("ij.Macro.getValue", arg, "seed", "1"));
TAU_MEDIAN = 5;     // s, the median relaxation time we put into the simulation
DRIFT_X = parseFloat(call("ij.Macro.getValue", arg, "drift_x", "6"));   // px, how far the sample drifts along x over the series
DRIFT_Y = parseFloat(call("ij.Macro.getValue", arg, "drift_y", "-3"));  // px, along y (negative = upwards as displayed)
CRYSTALS = parseInt(call("ij.Macro.getValue", arg, "crystals", "3"));   // small static crystals: bright features that never relax
RADIUS = parseFloat(call("ij.Macro.getValue", arg, "crystal_radius", "3")); // px
run("Clear Results");

// 1. SIMULATE. A dark-field ECM series is a movie of speckle: each pixel's intensity
// fluctuates as the atoms of the glass rearrange. The simulator draws, for every pixel, a
// relaxation time tau (log-normal around tau_median, width sigma of ln tau) and a stretching
// exponent beta, and makes an intensity whose autocorrelation is exactly
// g2(t) = 1 + A exp[-2 (t/tau)^beta] (the KWW form). It also opens the truth tau map, so that
// we can check our analysis against the answer.
// Like a real microscope, the simulated sample drifts: by DRIFT_X, DRIFT_Y pixels over the
// series (the content of frame t has moved by DRIFT * t / (frames - 1)). And like many real
// glasses it holds a few small crystals: bright, static features that do not relax. They are
// what the aligner in step 2 will lock on to. (Set drift_x=0 drift_y=0 crystals=0 to get the
// plain speckle movie.)
run("Simulate ECM Stack", "frames=" + frames + " width=" + size + " height=" + size + " interval=0.5 pixel_size=1 tau_median=" + TAU_MEDIAN + " sigma=0.5 beta_min=0.5 beta_max=1 contrast=0.3 dose=0 map_correlation=4 drift_x=" + DRIFT_X + " drift_y=" + DRIFT_Y + " jitter=0 crystals=" + CRYSTALS + " crystal_radius=" + RADIUS + " seed=" + seed);
stack = getTitle();
truth = "ECM simulation truth tau";
if (nSlices != frames || !isOpen(truth)) fail("simulate", "no simulated stack");
print("ECM-MACRO " + NAME + " simulate ok stack=[" + stack + "] frames=" + nSlices + " interval_s=" + Stack.getFrameInterval() + " drift_x_px=" + DRIFT_X + " drift_y_px=" + DRIFT_Y + " crystals=" + CRYSTALS);

// 2. ALIGN. In a real microscope the sample drifts, and a drifting speckle pattern looks like
// fast decorrelation: a pixel sees new parts of the sample, so tau comes out too short and the
// map is smeared. Align Stack registers every frame to a running reference by phase
// correlation (it finds the translation that best overlays the frame on the reference) and
// shifts it back; the Results table lists the shift of each frame.
// Why the crystals matter: registration needs something that does NOT change. The relaxing
// speckle itself decorrelates within a few tau, so after that a frame and the reference share
// nothing and the correlation has no distinct peak -- any "shift" would be noise. The aligner
// tests every peak against the noise level; frames without a distinct peak get the state
// "weak_peak" and keep the previous shift, and the Log warns when many frames are weak. The
// static crystals give every frame a sharp peak at the true drift. Try crystals=0: most frames
// become weak_peak, and the drift cannot be measured from the speckle alone. On real data,
// draw a ROI around a static feature (a crystal, an edge) before aligning.
selectImage(stack);
run("Align Stack", "reference=running upsample=20 apply=whole slices_as_time threads=0");
aligned = getTitle();
// Compare the measured shifts with the drift we put in: the aligner reports the shift that
// undoes the motion, -DRIFT * t / (frames - 1).
weak = 0; err2 = 0; x0 = 0; y0 = 0;
for (i = 0; i < nResults; i++) {
  if (getResultString("state", i) == "weak_peak") weak++;
  sx = getResult("shift_x_px", i);
  sy = getResult("shift_y_px", i);
  ex = sx + DRIFT_X * i / (nResults - 1);
  ey = sy + DRIFT_Y * i / (nResults - 1);
  err2 = err2 + ex * ex + ey * ey;
  // the crop of whole-pixel shifts starts at the largest rounded shift (docs/align.md)
  x0 = maxOf(x0, floor(sx + 0.5));
  y0 = maxOf(y0, floor(sy + 0.5));
}
rmsErr = sqrt(err2 / (2 * nResults));
if (4 * weak >= nResults) {
  // nothing static to register on: keep the original stack
  print("ECM-MACRO " + NAME + " align ok image=[" + aligned + "] frames=" + nResults + " weak=" + weak + " not_used (no static feature: speckle alone cannot be registered)");
  close(aligned);
  aligned = stack;
  x0 = 0; y0 = 0;
} else {
  print("ECM-MACRO " + NAME + " align ok image=[" + aligned + "] frames=" + nResults + " weak=" + weak + " last_shift_px=" + d2s(getResult("shift_x_px", nResults - 1), 3) + "," + d2s(getResult("shift_y_px", nResults - 1), 3) + " applied_drift_px=" + DRIFT_X + "," + DRIFT_Y + " rms_error_px=" + d2s(rmsErr, 4) + " crop=" + x0 + "," + y0 + "," + getWidth() + "," + getHeight());
}
// The aligned stack is cropped to the region every frame covers. The truth map is in the
// first frame's coordinates: cut the same region from it, so that step 7 compares the same
// pixels.
selectImage(aligned);
cw = getWidth(); ch = getHeight();
if (cw != size || ch != size) {
  selectImage(truth);
  v = newArray(cw * ch);
  for (y = 0; y < ch; y++)
    for (x = 0; x < cw; x++) v[y * cw + x] = getPixel(x0 + x, y0 + y);
  newImage("ECM simulation truth tau cropped", "32-bit black", cw, ch, 1);
  for (y = 0; y < ch; y++)
    for (x = 0; x < cw; x++) setPixel(x, y, v[y * cw + x]);
  truth = getTitle();
  selectImage(aligned);
}
run("Clear Results");

// 3. RELAXATION MAPS. For every pixel: g2(t) = <I(t') I(t'+t)> / <I>^2 on log-spaced lags,
// then a least-squares KWW fit gives tau, beta and the contrast A. tau is in seconds because
// the stack carries its frame interval (Image>Properties). tau_med_s in the Results table is
// the log-normal median exp(<ln tau>) over the converged pixels.
selectImage(aligned);
run("Relaxation Maps", "frame_interval=0 slices_as_time points_per_decade=10 max_lag=0 bias_correction threads=0");
tauMap = getTitle();
if (nResults < 1 || bitDepth() != 32) fail("maps", "Relaxation Maps gave no tau map");
tauMed = getResult("tau_med_s", nResults - 1);
print("ECM-MACRO " + NAME + " maps ok tau_map=[" + tauMap + "] tau_med_s=" + d2s(tauMed, 4) + " truth_s=" + TAU_MEDIAN + " ratio=" + d2s(tauMed / TAU_MEDIAN, 4) + " converged_fraction=" + d2s(getResult("converged_fraction", nResults - 1), 4));
run("Clear Results");

// 4. TAU HISTOGRAM. The spread of tau is itself physics: a glass is dynamically
// heterogeneous. The histogram of tau on logarithmic bins with its maximum-likelihood
// log-normal fit gives tau_med and sigma (sd of ln tau; we simulated sigma = 0.5).
selectImage(tauMap);
run("Tau Histogram", "bins=0 log_axis");
if (nResults < 1) fail("histogram", "Tau Histogram gave no row");
print("ECM-MACRO " + NAME + " histogram ok " + rowText(nResults - 1, 8));
run("Clear Results");

// 5. g2 INSPECTOR. Look at one pixel's g2(t) and its KWW fit: g2 starts near 1 + A at short
// lags and decays to 1 for t >> tau. Where the fit is poor the map is not to be trusted.
selectImage(aligned);
px = floor(getWidth() / 2);
py = floor(getHeight() / 2);
run("g2 Inspector", "frame_interval=0 slices_as_time points_per_decade=10 max_lag=0 bias_correction x=" + px + " y=" + py);
if (nResults < 1) fail("g2", "g2 Inspector gave no row");
print("ECM-MACRO " + NAME + " g2 ok x=" + px + " y=" + py + " " + rowText(nResults - 1, 8));
run("Clear Results");

// 6. TWO-TIME CORRELATION. G(t1, t2) correlates the frame at t1 with the frame at t2. For
// stationary dynamics it depends only on t2 - t1: a band of constant width along the
// diagonal. A band that widens with age means aging (the glass slows down).
// normalize_pixels divides each pixel by its own time mean: without it the bright crystals,
// which never decorrelate, would dominate the correlation and hide the speckle's decay.
selectImage(aligned);
run("Two-Time Correlation", "frame_interval=0 bin_time=1 normalize_pixels slices_as_time threads=0");
if (nResults < 1) fail("ttcf", "Two-Time Correlation gave no row");
print("ECM-MACRO " + NAME + " ttcf ok image=[" + getTitle() + "] tau_s=" + d2s(getResult("tau_s", 0), 4) + " verdict=" + getResultString("verdict", 0));
run("Clear Results");

// 7. COMPARE WITH THE TRUTH. Spearman's rank correlation rho between the measured tau map
// and the simulated truth: rho near 1 means the map finds the fast and slow regions.
// Neighbouring pixels are correlated (map_correlation=4 px), so the p-values use an
// effective N and block permutations rather than the pixel count.
selectImage(truth);
tw = getWidth(); th = getHeight();
selectImage(tauMap);
if (getWidth() != tw || getHeight() != th) fail("compare", "the tau map (" + getWidth() + " x " + getHeight() + ") and the truth map (" + tw + " x " + th + ") differ in size");
run("Map Correlation", "map1=[" + tauMap + "] map2=[" + truth + "] log block=3 permutations=199 seed=1 max_lag=0");
if (nResults < 1) fail("compare", "Map Correlation gave no row");
print("ECM-MACRO " + NAME + " compare ok rho=" + d2s(getResult("rho", 0), 4) + " n=" + getResult("n", 0) + " p_eff=" + d2s(getResult("p_eff", 0), -3) + " p_perm=" + d2s(getResult("p_perm", 0), -3));
print("ECM-MACRO " + NAME + " done");

// The first n numeric columns of a Results row as "key=value ...".
function rowText(row, n) {
  heads = split(String.getResultsHeadings, "\t");
  s = "";
  k = 0;
  for (c = 0; c < heads.length && k < n; c++) {
    h = String.trim(heads[c]);
    if (h == "") continue;
    v = getResult(h, row);
    if (isNaN(v)) continue;
    s = s + h + "=" + d2s(v, 4) + " ";
    k++;
  }
  return s;
}

function fail(step, msg) {
  print("ECM-MACRO " + NAME + " " + step + " error: " + msg);
  if (!is("batch mode") && call("java.awt.GraphicsEnvironment.isHeadless") != "true")
    showMessage("ECM teaching lab", msg);
  exit;
}
