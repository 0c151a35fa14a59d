// Every ECM command on the teaching sample (samples/darkfield_small.tif), in the order a new
// user would try them, as recorded macro lines. Prints "ECM-ALL <step> ok ..." per step and
// "ECM-ALL done" at the end; run by tests/fiji/jvm_sample.sh headless and under Xvfb.
// Argument: sample=[path to darkfield_small.tif] truth=[path to darkfield_small_true_tau.tif]
//           csv=[a writable path for the Arrhenius input]
arg = getArgument();
sample = call("ij.Macro.getValue", arg, "sample", "");
truth = call("ij.Macro.getValue", arg, "truth", "");
csv = call("ij.Macro.getValue", arg, "csv", "");
setBatchMode(true);

run("About / Self-test");
print("ECM-ALL about ok");

open(sample);
src = getTitle();
print("ECM-ALL open ok title=" + src + " frames=" + nSlices + " interval=" + Stack.getFrameInterval());

run("Align Stack", "reference=running upsample=20 apply=whole slices_as_time threads=0");
aligned = getTitle();
print("ECM-ALL align ok title=" + aligned + " rows=" + nResults + " size=" + getWidth() + "x" + getHeight()
  + " last_shift_x_px=" + d2s(getResult("shift_x_px", nResults - 1), 3)
  + " crop=" + getInfo("ecm_crop_x0") + "," + getInfo("ecm_crop_y0"));
run("Clear Results");

selectImage(aligned);
run("Relaxation Maps", "frame_interval=0 slices_as_time points_per_decade=10 max_lag=0 bias_correction threads=0");
tauMap = getTitle();
print("ECM-ALL maps ok map=" + tauMap + " tau_med_s=" + d2s(getResult("tau_med_s", nResults - 1), 4)
  + " converged_fraction=" + d2s(getResult("converged_fraction", nResults - 1), 4));

selectImage(aligned);
run("g2 Inspector", "frame_interval=0 slices_as_time points_per_decade=10 max_lag=0 bias_correction x=10 y=12");
print("ECM-ALL inspector ok tau_s=" + d2s(getResult("tau_s", nResults - 1), 4));

selectImage(tauMap);
run("Tau Histogram", "bins=0 log_axis");
print("ECM-ALL histogram ok tau_med_s=" + d2s(getResult("tau_med_s", nResults - 1), 4));

selectImage(aligned);
run("Split / Sliding-Window Maps", "mode=halves frame_interval=0 slices_as_time points_per_decade=10 max_lag=0 bias_correction threads=0");
print("ECM-ALL split ok images=" + nImages);

// The truth map has the input's size: compare it with a map of the unaligned series (the
// aligned one is cropped to the region valid in every frame).
selectImage(src);
run("Relaxation Maps", "frame_interval=0 slices_as_time points_per_decade=10 max_lag=0 bias_correction threads=0");
srcMap = getTitle();
open(truth);
truthTitle = getTitle();
run("Map Correlation", "map1=[" + srcMap + "] map2=[" + truthTitle + "] block=6 permutations=999 seed=1 max_lag=0");
print("ECM-ALL mapcorr ok rho=" + d2s(getResult("rho", nResults - 1), 4));

selectImage(aligned);
run("Four-Point Correlation", "frame_interval=0 slices_as_time lags=auto lag_unit=frames variant=conventional max_radius=12 xi_lag=0 methods=exp threads=0");
print("ECM-ALL g4 ok");

selectImage(aligned);
// normalize_pixels: the sample holds static contrast (crystals), which would only raise G.
run("Two-Time Correlation", "frame_interval=0 bin_time=2 normalize_pixels slices_as_time threads=0");
print("ECM-ALL ttcf ok verdict=" + getResultString("verdict", nResults - 1));

// A temperature series from three made-up map summaries (E = 0.5 eV, tau0 = 1e-8 s).
lines = "T_K,tau_med_s\n";
temps = newArray(300, 320, 340, 360);
for (i = 0; i < temps.length; i++)
  lines = lines + temps[i] + "," + d2s(1e-8 * exp(0.5 / (8.617333262e-5 * temps[i])), 9) + "\n";
File.saveString(lines, csv);
run("Temperature Series", "table=[Results] csv=[" + csv + "] temperature=T_K tau=tau_med_s tau_error=[none] xi=[none] model=Arrhenius");
print("ECM-ALL tseries ok E_eV=" + d2s(getResult("E_eV", nResults - 1), 4));

run("Simulate ECM Stack", "frames=100 width=8 height=8 interval=0.5 pixel_size=1 tau_median=2 sigma=0 beta_min=1 beta_max=1 contrast=0.3 dose=0 map_correlation=0 seed=1");
print("ECM-ALL simulate ok title=" + getTitle());
print("ECM-ALL done");
