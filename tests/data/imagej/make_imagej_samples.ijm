// Writes the small ImageJ-made TIFFs of tests/data/imagej/ (committed; rerun only to refresh):
//   java -Djava.awt.headless=true -jar /usr/share/java/ij.jar -batch \
//        tests/data/imagej/make_imagej_samples.ijm "$PWD/tests/data/imagej/"
// ImageJ exits 0 even when a macro fails: check that the three files exist afterwards.
// (ImageJ 1.53t headless: Stack.setTimeUnit throws; Stack.setUnits sets the time unit.)
dir = getArgument();
if (dir == "") exit("usage: -batch make_imagej_samples.ijm OUTPUT_DIR/");

// 1. 32-bit ramp, 16x12, a time series of 5 frames, 0.25 nm pixels, 0.5 s per frame.
newImage("ramp32_frames", "32-bit ramp", 16, 12, 1, 1, 5);
Stack.setDimensions(1, 1, 5);
setVoxelSize(0.25, 0.25, 1, "nm");
Stack.setFrameInterval(0.5);
saveAs("Tiff", dir + "ramp32_frames.tif");
close();

// 2. 16-bit ramp, 16x12, 5 Z-slices and 1 frame (a camera series opened as a Z-stack),
//    0.125 micron pixels, z spacing 0.3 (must not become a frame interval), and an Info
//    property carrying an ecm_provenance line.
newImage("ramp16_slices", "16-bit ramp", 16, 12, 1, 5, 1);
setVoxelSize(0.125, 0.125, 0.3, "micron");
setMetadata("Info", "Made by make_imagej_samples.ijm\necm_provenance={\"tool\":\"ImageJ macro\",\"n\":2}\n");
saveAs("Tiff", dir + "ramp16_slices.tif");
close();

// 3. 8-bit ramp, 16x12, 4 frames, 20 ms per frame, 2 nm pixels.
newImage("ramp8_frames_ms", "8-bit ramp", 16, 12, 1, 1, 4);
Stack.setDimensions(1, 1, 4);
setVoxelSize(2, 2, 1, "nm");
Stack.setFrameInterval(20);
Stack.setUnits("nm", "nm", "nm", "ms", "Gray Value"); // 1.52i: Stack.setTimeUnit fails headless
saveAs("Tiff", dir + "ramp8_frames_ms.tif");
close();
print("make_imagej_samples: done");
