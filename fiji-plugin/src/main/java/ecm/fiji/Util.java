package ecm.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.macro.Interpreter;
import java.awt.GraphicsEnvironment;
import java.util.Locale;

/** Helpers shared by the commands: headless option parsing, messages, showing images. */
final class Util {
  private Util() {}

  /** True when no dialog can be shown (java.awt.headless=true). */
  static boolean headless() {
    return GraphicsEnvironment.isHeadless();
  }

  /** Show an error the user sees: a dialog, or the Log / stderr when headless. */
  static void error(String title, String message) {
    if (headless()) {
      IJ.log("ECM error (" + title + "): " + message);
    } else {
      IJ.error(title, message);
    }
  }

  /** Report a failure of a native call; a cancel is only a status message. */
  static void report(String title, EcmException e) {
    if (e.isCancel()) {
      IJ.showStatus(title + ": cancelled");
      IJ.log(title + ": cancelled");
    } else {
      error(title, e.getMessage());
    }
  }

  /** Display an image, or make it the current image when no window can be shown. */
  static void show(ImagePlus imp) {
    if (headless() && !Interpreter.isBatchMode()) {
      WindowManager.setTempCurrentImage(imp);
    } else {
      imp.show();
    }
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.6g", v);
  }

  /**
   * Macro options for the headless path: the keys a GenericDialog would read (first word of
   * each label, lower case). Numbers as key=value, booleans as the bare key when true.
   */
  static final class Options {
    private final String options;

    Options(String options) {
      this.options = options;
    }

    /** Options of the calling thread (null when not run from a macro). */
    static Options current() {
      return new Options(Macro.getOptions());
    }

    boolean present() {
      return options != null;
    }

    double number(String key, double def) {
      if (options == null) return def;
      String v = Macro.getValue(options, key, null);
      if (v == null) return def;
      try {
        return Double.parseDouble(v.trim());
      } catch (NumberFormatException e) {
        throw new EcmException(EcmException.EINVAL, "'" + key + "=" + v + "' is not a number");
      }
    }

    boolean flag(String key, boolean def) {
      if (options == null) return def;
      return (" " + options + " ").toLowerCase(Locale.ROOT).contains(" " + key + " ");
    }
  }

  /** Integer from a dialog/macro number; refuses fractions and out-of-range values. */
  static int toInt(String name, double v, int min, int max) {
    if (Double.isNaN(v) || v != Math.rint(v) || v < min || v > max)
      throw new EcmException(EcmException.EINVAL,
          name + " must be a whole number in [" + min + ", " + max + "] (got " + fmt(v) + ")");
    return (int) v;
  }
}
