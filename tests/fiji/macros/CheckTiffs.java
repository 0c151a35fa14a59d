// Test helper for jvm_macros.sh: opens each TIFF with ImageJ's own reader (ij.io.Opener, no
// display) and prints "TIFF <name> w=.. h=.. bits=.. unit=.. pw=.. value_unit=.. finite=.."
// or "TIFF <name> unreadable". Usage: java -Djava.awt.headless=true -cp ij.jar:. CheckTiffs F...
import ij.ImagePlus;
import ij.io.Opener;
import ij.measure.Calibration;
import java.util.Locale;

public class CheckTiffs {
  public static void main(String[] args) {
    for (String path : args) {
      String name = new java.io.File(path).getName();
      ImagePlus imp = new Opener().openImage(path);
      if (imp == null) {
        System.out.println("TIFF " + name + " unreadable");
        continue;
      }
      Calibration c = imp.getCalibration();
      float[] v = (float[]) imp.getProcessor().convertToFloatProcessor().getPixels();
      int finite = 0;
      for (float x : v) finite += Float.isNaN(x) || Float.isInfinite(x) ? 0 : 1;
      System.out.println(String.format(Locale.ROOT,
          "TIFF %s w=%d h=%d bits=%d unit=%s pw=%.6g value_unit=%s finite=%d", name,
          imp.getWidth(), imp.getHeight(), imp.getBitDepth(), c.getUnit(), c.pixelWidth,
          c.getValueUnit(), finite));
    }
  }
}
