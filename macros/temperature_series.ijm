// temperature_series.ijm -- one image series per temperature -> tau_med(T) -> Arrhenius fit.
//
// For every stack of the input folder whose temperature is known: Relaxation Maps, then its
// T_K, tau_med_s and an error tau_med_err_s go into a table "ECM temperature series"; then
// Plugins>ECM>Temperature Series fits tau = tau0 exp(E / (k_B T)) and its result table
// "ECM Arrhenius" (E_eV, E_err_eV, tau0_s, chi2_red, ...) is saved as CSV.
//
// Temperature of a stack:
//   * from the file name: the last "_T<number>K" before ".tif", e.g. run3_T350K.tif -> 350 K,
//     sample_T297.5K.tif -> 297.5 K (what `ecm simulate tseries` writes: PREFIX_T<T>K.tif);
//   * or from a CSV given as mapping=[file.csv] with a header row holding the columns "stack"
//     (file name, in the input folder) and "T_K" -- `ecm simulate tseries` writes such a file
//     (PREFIX_tseries.csv). With a mapping, only the stacks it lists are used.
//
// tau_med_s is the log-normal median exp(<ln tau>) of the converged pixels (Results column of
// Relaxation Maps); its error is the standard error tau_med_err_s = tau_med_s * sigma / sqrt(n)
// with sigma the sd of ln tau and n the converged pixels (the core's ecm_stats_lognormal
// formula). It ignores the spatial correlation of the map, so it is a lower bound. The fit
// below is unweighted (tau_error=[none]); for a weighted fit write tau_error=tau_med_err_s.
//
// Arguments:  input=[folder] output=[folder] (mapping=[file.csv] optional)
//   Fiji GUI:  no argument: two folder dialogs (temperatures from the file names).
//   headless:  java -Djava.awt.headless=true -cp ij.jar ij.ImageJ -ijpath IMAGEJ_HOME \
//                -batch temperature_series.ijm "input=[/data/ts] output=[/data/ts_out]"
// Outputs (never overwritten: the run is refused when one exists):
//   <output>/ecm_temperature_series.csv  T_K, tau_med_s, tau_med_err_s, sigma, n_converged, stack
//   <output>/ecm_arrhenius.csv           the "ECM Arrhenius" table
// Log lines for scripts: "ECM-MACRO temperature_series T_K=... tau_med_s=...", then
// "ECM-MACRO temperature_series ok E_eV=... E_err_eV=..." and "... done".
// docs/fiji/macros.md describes it.

NAME = "temperature_series";
TABLE = "ECM temperature series";
INPUT_CSV = "ecm_temperature_series.csv";
RESULT_CSV = "ecm_arrhenius.csv";

// Plain ImageJ 1.x with -Djava.awt.headless=true has no menus: register the commands
// (ecm.fiji.Headless, in ECM_Analysis.jar). Fiji and ImageJ with a display skip this.
headless = false;
if (call("java.awt.GraphicsEnvironment.isHeadless") == "true") headless = true;
if (headless) {
  commands = "" + call("ij.Menus.getCommands");   // "{...}" once ImageJ has its command table
  if (!startsWith(commands, "{")) {
    if (call("java.lang.System.getProperty", "plugins.dir", "") == "")
      call("java.lang.System.setProperty", "plugins.dir", call("ij.Prefs.getHomeDir"));
    installed = call("ecm.fiji.Headless.install");
  }
}

// --- arguments -------------------------------------------------------------------------------
arg = getArgument();
input = call("ij.Macro.getValue", arg, "input", "");
output = call("ij.Macro.getValue", arg, "output", "");
mapping = call("ij.Macro.getValue", arg, "mapping", "");
if (input == "" && output == "" && !is("batch mode")) {
  input = getDirectory("Folder with one ECM image series per temperature (..._T350K.tif)");
  output = getDirectory("Output folder for the tables");
}
if (input == "" || output == "")
  fail("give both folders: input=[folder of stacks] output=[folder for the tables]");
input = withSlash(input);
output = withSlash(output);
if (!File.isDirectory(input)) fail("input folder not found: " + input);
if (!File.isDirectory(output)) File.makeDirectory(output);
if (File.exists(output + INPUT_CSV)) fail(output + INPUT_CSV + " exists: refusing to overwrite");
if (File.exists(output + RESULT_CSV)) fail(output + RESULT_CSV + " exists: refusing to overwrite");

// --- which stack has which temperature -------------------------------------------------------
stacks = newArray(0);
temps = newArray(0);
if (mapping != "") {
  if (!File.exists(mapping)) fail("mapping file not found: " + mapping);
  lines = split(File.openAsString(mapping), "\n");
  head = split(String.trim(lines[0]), ",");
  cs = -1; ct = -1;
  for (c = 0; c < head.length; c++) {
    if (String.trim(head[c]) == "stack") cs = c;
    if (String.trim(head[c]) == "T_K") ct = c;
  }
  if (cs < 0 || ct < 0) fail(mapping + ": needs the columns stack and T_K in its header row");
  for (i = 1; i < lines.length; i++) {
    if (String.trim(lines[i]) == "" || startsWith(lines[i], "#")) continue;
    cells = split(String.trim(lines[i]), ",");
    stacks = Array.concat(stacks, String.trim(cells[cs]));
    temps = Array.concat(temps, parseFloat(cells[ct]));
  }
} else {
  files = getFileList(input);
  Array.sort(files);
  for (i = 0; i < files.length; i++) {
    t = temperatureOf(files[i]);
    if (!isNaN(t)) {
      stacks = Array.concat(stacks, files[i]);
      temps = Array.concat(temps, t);
    }
  }
}
if (stacks.length < 2) fail("found " + stacks.length + " stack(s) with a temperature in " + input + " (need >= 2; names like sample_T350K.tif or mapping=[file.csv])");

// --- Relaxation Maps on each stack -----------------------------------------------------------
setBatchMode(true);
run("Clear Results");
T = newArray(stacks.length);
tau = newArray(stacks.length);
err = newArray(stacks.length);
sig = newArray(stacks.length);
nconv = newArray(stacks.length);
for (i = 0; i < stacks.length; i++) {
  showProgress(i, stacks.length);
  if (!File.exists(input + stacks[i])) fail("stack not found: " + input + stacks[i]);
  open(input + stacks[i]);
  title = getTitle();
  Stack.getDimensions(w, h, channels, slices, frames);
  if (maxOf(frames, slices) < 3 || bitDepth() == 24) fail(stacks[i] + " is not a grayscale image series of >= 3 frames");
  rows = nResults;
  // tau map of this temperature; the frame interval comes from the image (Image>Properties)
  run("Relaxation Maps", "frame_interval=0 slices_as_time points_per_decade=10 max_lag=0 bias_correction threads=0");
  if (nResults != rows + 1) fail("Relaxation Maps gave no result for " + stacks[i] + " (see the Log)");
  T[i] = temps[i];
  tau[i] = getResult("tau_med_s", rows);
  sig[i] = getResult("sigma", rows);
  nconv[i] = getResult("n_converged", rows);
  err[i] = tau[i] * sig[i] / sqrt(nconv[i]);   // standard error of the log-normal median
  if (isNaN(tau[i])) fail(stacks[i] + ": no tau_med_s (is the frame interval set in Image>Properties?)");
  print("ECM-MACRO " + NAME + " T_K=" + T[i] + " tau_med_s=" + d2s(tau[i], 6) + " tau_med_err_s=" + d2s(err[i], 6) + " stack=" + stacks[i]);
  close("*");                    // the maps of this temperature are not kept
}
showProgress(1);

// --- the table "ECM temperature series" and its CSV copy -------------------------------------
csvPath = output + INPUT_CSV;
out = File.open(csvPath);
print(out, "T_K,tau_med_s,tau_med_err_s,sigma,n_converged,stack");
for (i = 0; i < T.length; i++)
  print(out, T[i] + "," + d2s(tau[i], -9) + "," + d2s(err[i], -9) + "," + d2s(sig[i], 9) + "," + nconv[i] + "," + stacks[i]);
File.close(out);
print("ECM-MACRO " + NAME + " table=" + csvPath + " rows=" + T.length);

if (!headless) {
  Table.create(TABLE);
  Table.setColumn("T_K", T);
  Table.setColumn("tau_med_s", tau);
  Table.setColumn("tau_med_err_s", err);
  Table.setColumn("sigma", sig);
  Table.setColumn("n_converged", nconv);
  Table.update;
}

// --- Arrhenius fit ---------------------------------------------------------------------------
// With a display the command reads the open table; headless ImageJ has no table windows, so
// it reads the same numbers from the CSV copy (csv=[...] wins over table=[...]).
run("Clear Results");
if (!headless)
  run("Temperature Series", "table=[ECM temperature series] csv=[] temperature=T_K tau=tau_med_s tau_error=[none] xi=[none] model=Arrhenius");
else
  run("Temperature Series", "table=[ECM temperature series] csv=[" + csvPath + "] temperature=T_K tau=tau_med_s tau_error=[none] xi=[none] model=Arrhenius");

// The result: the "ECM Arrhenius" table (with a display), else the system Results table.
source = "";
if (isOpen("ECM Arrhenius")) source = "ECM Arrhenius";
else if (nResults > 0) {
  if (!isNaN(getResult("E_eV", 0))) source = "Results";
}
if (source == "") fail("Temperature Series gave no \"ECM Arrhenius\" table and no E_eV row in the Results table (see the Log)");
E = Table.get("E_eV", 0, source);
Eerr = Table.get("E_err_eV", 0, source);
writeTableCsv(output + RESULT_CSV, source);
print("ECM-MACRO " + NAME + " ok E_eV=" + d2s(E, 6) + " E_err_eV=" + d2s(Eerr, 6) + " tau0_s=" + d2s(Table.get("tau0_s", 0, source), -6) + " csv=" + output + RESULT_CSV);
print("ECM-MACRO " + NAME + " done temperatures=" + T.length);

// --- helpers ---------------------------------------------------------------------------------

// The temperature in a name like "x_T350K.tif" or "x_T297.5K.tiff"; NaN when there is none.
function temperatureOf(f) {
  lower = toLowerCase(f);
  if (!endsWith(lower, ".tif") && !endsWith(lower, ".tiff")) return NaN;
  stem = substring(f, 0, lastIndexOf(f, "."));
  if (!matches(stem, ".*_T[0-9]+(\\.[0-9]+)?K")) return NaN;
  return parseFloat(substring(stem, lastIndexOf(stem, "_T") + 2, lengthOf(stem) - 1));
}

function withSlash(d) {
  d = replace(d, "\\\\", "/");
  if (!endsWith(d, "/")) d = d + "/";
  return d;
}

// A table (by title) as CSV: header, rows, full precision, no row numbers.
function writeTableCsv(path, title) {
  heads = split(Table.headings(title), "\t");
  cols = newArray(0);
  for (c = 0; c < heads.length; c++)
    if (String.trim(heads[c]) != "") cols = Array.concat(cols, heads[c]);
  f = File.open(path);
  print(f, String.join(cols, ","));
  for (r = 0; r < Table.size(title); r++) {
    line = "";
    for (c = 0; c < cols.length; c++) {
      v = Table.get(cols[c], r, title);
      if (isNaN(v)) s = Table.getString(cols[c], r, title);
      else if (v == round(v) && abs(v) < 1e15) s = d2s(v, 0);
      else if (abs(v) >= 1e-3 && abs(v) < 1e9) s = d2s(v, 9);
      else s = d2s(v, -9);
      if (indexOf(s, ",") >= 0) s = "\"" + s + "\"";
      if (c > 0) line = line + ",";
      line = line + s;
    }
    print(f, line);
  }
  File.close(f);
}

function fail(msg) {
  print("ECM-MACRO " + NAME + " error: " + msg);
  if (!is("batch mode") && call("java.awt.GraphicsEnvironment.isHeadless") != "true")
    showMessage("ECM temperature series", msg);
  exit;
}
