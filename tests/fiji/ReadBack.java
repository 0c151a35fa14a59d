// Opens TIFFs with ImageJ 1.x's own reader (ij.io.Opener, no GUI, headless) and prints what
// ImageJ sees: dimensions, bit depth, calibration, pixel values and the image info.
// Usage: java -cp ij.jar:. ReadBack FILE [X Y]...
import ij.ImagePlus;
import ij.io.Opener;
import ij.measure.Calibration;

public class ReadBack {
  public static void main(String[] args) {
    String path = args[0];
    ImagePlus imp = new Opener().openImage(path);
    if (imp == null) {
      System.out.println("ECM open failed " + path);
      System.exit(1);
    }
    Calibration cal = imp.getCalibration();
    System.out.println("ECM dims w=" + imp.getWidth() + " h=" + imp.getHeight() + " c="
        + imp.getNChannels() + " z=" + imp.getNSlices() + " t=" + imp.getNFrames() + " bits="
        + imp.getBitDepth());
    System.out.println(String.format(java.util.Locale.ROOT,
        "ECM calib unit=%s pw=%.6f ph=%.6f finterval=%.6f tunit=%s", cal.getUnit(),
        cal.pixelWidth, cal.pixelHeight, cal.frameInterval, cal.getTimeUnit()));
    for (int i = 1; i + 1 < args.length; i += 2) {
      int x = Integer.parseInt(args[i]), y = Integer.parseInt(args[i + 1]);
      System.out.println(String.format(java.util.Locale.ROOT, "ECM pixel %d,%d=%.4f", x, y,
          imp.getProcessor().getPixelValue(x, y)));
    }
    Object info = imp.getProperty("Info");
    String text = (info != null ? info.toString() : "") + "\n" + imp.getInfoProperty();
    System.out.println("ECM provenance " + (text.contains("simulate darkfield") ? "visible" : "missing"));
  }
}
