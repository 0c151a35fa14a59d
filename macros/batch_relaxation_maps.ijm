// batch_relaxation_maps.ijm -- Relaxation Maps on every image series (*.tif, *.tiff) of a folder.
//
// For each stack: open it, run Plugins>ECM>Relaxation Maps, save its five maps
// (<name>_tau.tif, _beta.tif, _A.tif, _chi2.tif, _status.tif; 32-bit, calibrated) into the
// output folder, and add its summary row (the Results table columns of Relaxation Maps) to
// one table saved as <output>/relaxation_maps_summary.csv.
//
// Arguments:  input=[folder of stacks] output=[folder for the maps]
//   Fiji GUI:  Plugins>Macros>Run... asks for both folders (no argument given).
//   headless:  java -Djava.awt.headless=true -cp ij.jar ij.ImageJ -ijpath IMAGEJ_HOME \
//                -batch batch_relaxation_maps.ijm "input=[/data/in] output=[/data/maps]"
//   Fiji:      ImageJ-linux64 --headless -batch batch_relaxation_maps.ijm "input=[...] output=[...]"
//
// Never overwrites: a run whose summary CSV already exists is refused before any work, and a
// stack whose map files already exist is skipped with a message (delete them or choose
// another output folder). Images with fewer than 3 frames (e.g. truth maps lying next to the
// stacks) are skipped. Change the run("Relaxation Maps", ...) line below for other settings
// (record your own with Plugins>Macros>Record...).
//
// Log lines for scripts: "ECM-MACRO batch_relaxation_maps stack=... ok ...", "... skip ...",
// "... error ...", and last "ECM-MACRO batch_relaxation_maps done stacks=N skipped=M".
// docs/fiji/macros.md describes it.

NAME = "batch_relaxation_maps";
MAPS = newArray("tau", "beta", "A", "chi2", "status");
SUMMARY = "relaxation_maps_summary.csv";

// Plain ImageJ 1.x started with -Djava.awt.headless=true builds no menus, so run("...") and
// open() would fail there; ecm.fiji.Headless registers the commands without menus. Fiji
// (GUI or --headless) and ImageJ with a display skip this block.
if (call("java.awt.GraphicsEnvironment.isHeadless") == "true") {
  commands = "" + call("ij.Menus.getCommands");   // "{...}" once ImageJ has its command table
  if (!startsWith(commands, "{")) {
    if (call("java.lang.System.getProperty", "plugins.dir", "") == "")
      call("java.lang.System.setProperty", "plugins.dir", call("ij.Prefs.getHomeDir"));
    installed = call("ecm.fiji.Headless.install");
  }
}

// --- arguments: input=[...] output=[...], or two folder dialogs -------------------------------
arg = getArgument();
input = call("ij.Macro.getValue", arg, "input", "");
output = call("ij.Macro.getValue", arg, "output", "");
if (input == "" && output == "" && !is("batch mode")) {
  input = getDirectory("Folder of ECM image series (*.tif)");
  output = getDirectory("Output folder for the maps and the summary");
}
if (input == "" || output == "")
  fail("give both folders: input=[folder of stacks] output=[folder for the maps]");
input = withSlash(input);
output = withSlash(output);
if (!File.isDirectory(input)) fail("input folder not found: " + input);
if (!File.isDirectory(output)) File.makeDirectory(output);
if (!File.isDirectory(output)) fail("cannot create the output folder " + output);
if (File.exists(output + SUMMARY))
  fail(output + SUMMARY + " exists: refusing to overwrite (move it or choose another output folder)");

// --- the stacks ------------------------------------------------------------------------------
setBatchMode(true);              // no windows: faster, and nothing waits for the user
files = getFileList(input);
Array.sort(files);
run("Clear Results");            // the summary collects one Relaxation Maps row per stack
done = 0; skipped = 0;
for (i = 0; i < files.length; i++) {
  f = files[i];
  lower = toLowerCase(f);
  if (!endsWith(lower, ".tif") && !endsWith(lower, ".tiff")) continue;
  base = substring(f, 0, lastIndexOf(f, "."));
  showProgress(i, files.length);
  // refuse to overwrite: check every output before computing anything
  clash = "";
  for (k = 0; k < MAPS.length; k++)
    if (File.exists(output + base + "_" + MAPS[k] + ".tif")) clash = output + base + "_" + MAPS[k] + ".tif";
  if (clash != "") {
    print("ECM-MACRO " + NAME + " stack=" + f + " skip: " + clash + " exists (not overwritten)");
    skipped++;
    continue;
  }
  open(input + f);
  Stack.getDimensions(w, h, channels, slices, frames);
  n = frames; if (n == 1) n = slices;   // slices_as_time: a Z-stack is read as time
  if (n < 3 || bitDepth() == 24) {
    print("ECM-MACRO " + NAME + " stack=" + f + " skip: " + n + " frame(s), bit depth " + bitDepth() + " (needs a grayscale series of >= 3 frames)");
    close();
    skipped++;
    continue;
  }
  title = getTitle();
  rows = nResults;
  // Per-pixel g2 and KWW fit (docs/fiji.md "Relaxation Maps"); frame interval from the image.
  run("Relaxation Maps", "frame_interval=0 slices_as_time points_per_decade=10 max_lag=0 bias_correction threads=0");
  mapBase = shortTitle(title);
  tauTitle = mapBase + "_tau";
  if (nResults != rows + 1 || !isOpen(tauTitle)) {
    print("ECM-MACRO " + NAME + " stack=" + f + " error: Relaxation Maps gave no result (see the Log)");
    close("*");
    skipped++;
    continue;
  }
  for (k = 0; k < MAPS.length; k++) {
    mapTitle = mapBase + "_" + MAPS[k];
    selectImage(mapTitle);
    saveAs("Tiff", output + base + "_" + MAPS[k] + ".tif");
    close();
  }
  selectImage(title);
  close();
  print("ECM-MACRO " + NAME + " stack=" + f + " ok tau_med_s=" + d2s(getResult("tau_med_s", rows), 6) + " converged_fraction=" + d2s(getResult("converged_fraction", rows), 4) + " maps=" + output + base + "_*.tif");
  done++;
}
showProgress(1);
if (done == 0) fail("no image series processed in " + input + " (" + skipped + " skipped)");
writeResultsCsv(output + SUMMARY);
print("ECM-MACRO " + NAME + " summary=" + output + SUMMARY + " rows=" + nResults);
print("ECM-MACRO " + NAME + " done stacks=" + done + " skipped=" + skipped);

// --- helpers ---------------------------------------------------------------------------------

// ImagePlus.getShortTitle(): the title up to its first space, without the extension. The maps
// of Relaxation Maps are named after it.
function shortTitle(t) {
  t = String.trim(t);
  sp = indexOf(t, " ");
  if (sp > -1) t = substring(t, 0, sp);
  dot = lastIndexOf(t, ".");
  if (dot > 0) t = substring(t, 0, dot);
  return t;
}

function withSlash(d) {
  d = replace(d, "\\\\", "/");
  if (!endsWith(d, "/")) d = d + "/";
  return d;
}

// The system Results table as CSV: header row, one row per stack, full precision, no row
// numbers; text cells quoted when they hold a comma or a quote.
function writeResultsCsv(path) {
  heads = split(String.getResultsHeadings, "\t");
  cols = newArray(0);
  for (c = 0; c < heads.length; c++)
    if (String.trim(heads[c]) != "") cols = Array.concat(cols, heads[c]);
  out = File.open(path);
  print(out, String.join(cols, ","));
  for (r = 0; r < nResults; r++) {
    line = "";
    for (c = 0; c < cols.length; c++) {
      v = getResult(cols[c], r);
      if (isNaN(v)) s = getResultString(cols[c], r);
      else if (v == round(v) && abs(v) < 1e15) s = d2s(v, 0);
      else if (abs(v) >= 1e-3 && abs(v) < 1e9) s = d2s(v, 9);
      else s = d2s(v, -9);
      if (indexOf(s, ",") >= 0 || indexOf(s, "\"") >= 0) s = "\"" + replace(s, "\"", "\"\"") + "\"";
      if (c > 0) line = line + ",";
      line = line + s;
    }
    print(out, line);
  }
  File.close(out);
}

function fail(msg) {
  print("ECM-MACRO " + NAME + " error: " + msg);
  if (!is("batch mode") && call("java.awt.GraphicsEnvironment.isHeadless") != "true")
    showMessage("ECM batch relaxation maps", msg);
  exit;
}
