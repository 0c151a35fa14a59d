// End-to-end: the ECM commands from real ImageJ's menus (plugins.config in the jar),
// as a recorded macro would call them. Prints sentinel lines checked by jvm_ijmacro.sh.
setBatchMode(true);
run("Simulate ECM Stack", "frames=200 width=10 height=8 interval=0.5 pixel_size=2 tau_median=4 sigma=0 beta_min=1 beta_max=1 contrast=0.3 dose=0 map_correlation=0 seed=5");
print("ECM sim images=" + nImages + " title=" + getTitle() + " frames=" + nSlices);
Stack.getUnits(x, y, z, time, value);
print("ECM sim interval=" + Stack.getFrameInterval() + " unit=" + time);
run("Relaxation Maps", "frame_interval=0 points_per_decade=10 max_lag=0 bias_correction threads=0");
print("ECM nResults=" + nResults);
print("ECM tau_med_s=" + d2s(getResult("tau_med_s", 0), 6));
print("ECM converged_fraction=" + d2s(getResult("converged_fraction", 0), 6));
print("ECM current=" + getTitle() + " bits=" + bitDepth());
getPixelSize(unit, pw, ph);
print("ECM map pixel=" + unit + " " + pw);
run("About / Self-test");
print("ECM macro done");
