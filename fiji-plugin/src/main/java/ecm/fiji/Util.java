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

  /**
   * A cancelled or failed command must not become a macro line: ImageJ's Recorder would
   * otherwise record it when run() returns, and replaying it would stop at the same dialog
   * or redo an analysis the user cancelled.
   */
  static void dontRecord() {
    if (!headless() && ij.plugin.frame.Recorder.record)
      ij.plugin.frame.Recorder.disableCommandRecording();
  }

  /**
   * A bug, not a user error: one message, and the stack trace in the Log (lines starting
   * "ECM internal error") for a report. Never lets the exception reach ImageJ.
   */
  static void internalError(String title, RuntimeException e) {
    dontRecord();
    java.io.StringWriter sw = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(sw));
    for (String line : sw.toString().split("\n")) IJ.log("ECM internal error: " + line);
    error(title, "internal error: " + e + "\nPlease report it with the Log window's contents.");
  }

  /** Report a failure of a native call; a cancel is only a status message. */
  static void report(String title, EcmException e) {
    dontRecord();
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

  /** "value ± error" for plot legends: 3 significant digits and the error to 2. */
  static String pm(double v, double err) {
    return String.format(Locale.ROOT, "%.3g \u00b1 %.2g", v, err);
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

    String text(String key, String def) {
      if (options == null) return def;
      String v = Macro.getValue(options, key, null);
      return v == null ? def : v.trim();
    }

    /** A bare key outside any [bracketed value], as ImageJ's own checkbox matching. */
    boolean flag(String key, boolean def) {
      if (options == null) return def;
      String bare = options.replaceAll("\\[[^\\]]*\\]", "[]");
      return (" " + bare + " ").toLowerCase(Locale.ROOT).contains(" " + key + " ");
    }
  }

  /**
   * The frames of a series as ImageJ slice arrays (current channel and slice): the time axis,
   * or the Z-slices when slicesAsTime and there is one frame. Refuses colour images.
   */
  static Object[] timeSlices(ImagePlus imp, boolean slicesAsTime, String what, int minFrames) {
    if (imp.getType() == ImagePlus.COLOR_RGB || imp.getType() == ImagePlus.COLOR_256)
      throw new EcmException(EcmException.EUNSUPPORTED,
          "needs an 8-, 16- or 32-bit grayscale stack; '" + imp.getTitle()
              + "' is a colour image (Image>Type>32-bit converts it)");
    int nz = imp.getNSlices(), nf = imp.getNFrames();
    int c = imp.getC(), z = imp.getZ();
    ij.ImageStack stack = imp.getStack();
    Object[] slices;
    if (nf > 1) {
      slices = new Object[nf];
      for (int t = 1; t <= nf; t++) slices[t - 1] = stack.getPixels(imp.getStackIndex(c, z, t));
    } else if (nz > 1 && slicesAsTime) {
      slices = new Object[nz];
      for (int s = 1; s <= nz; s++) slices[s - 1] = stack.getPixels(imp.getStackIndex(c, s, 1));
    } else if (nz > 1) {
      throw new EcmException(EcmException.EINVAL, "'" + imp.getTitle() + "' has " + nz
          + " Z-slices and 1 frame: tick 'Slices as time' (key slices_as_time) or set"
          + " Image>Properties so that the series runs along time");
    } else {
      slices = new Object[] {imp.getProcessor().getPixels()};
    }
    if (slices.length < minFrames)
      throw new EcmException(EcmException.ENODATA, "'" + imp.getTitle() + "' has "
          + slices.length + " frame(s): " + what + " needs an image series of at least "
          + minFrames + " frames");
    return slices;
  }

  /** The image's area ROI as a width*height mask (1 = inside), or null without one. */
  static byte[] roiMask(ImagePlus imp) {
    ij.gui.Roi roi = imp.getRoi();
    if (roi == null || !roi.isArea()) return null;
    int w = imp.getWidth(), h = imp.getHeight();
    byte[] m = new byte[w * h];
    java.awt.Rectangle b = roi.getBounds();
    ij.process.ImageProcessor rm = roi.getMask();
    for (int y = Math.max(0, b.y); y < Math.min(h, b.y + b.height); y++) {
      for (int x = Math.max(0, b.x); x < Math.min(w, b.x + b.width); x++) {
        if (rm == null || rm.get(x - b.x, y - b.y) != 0) m[y * w + x] = 1;
      }
    }
    return m;
  }

  /**
   * The area ROI as a mask (see roiMask), or null without one; refuses a ROI that holds no
   * pixel of the image.
   */
  static byte[] roiMaskChecked(ImagePlus imp) {
    byte[] m = roiMask(imp);
    if (m != null && count(m) == 0)
      throw new EcmException(EcmException.EINVAL, "the ROI on '" + imp.getTitle()
          + "' contains no pixel of the image");
    return m;
  }

  /** The time axis of a series: its frame interval and that interval's unit. */
  static final class TimeAxis {
    final double dt;
    final String unit;

    TimeAxis(double dt, String unit) {
      this.dt = dt;
      this.unit = unit;
    }
  }

  /**
   * The frame interval to use: an override in seconds when frameInterval > 0, else (0) the
   * image's Image>Properties interval and time unit (dt 0 there = uncalibrated, in frames).
   */
  static TimeAxis timeAxis(ImagePlus imp, double frameInterval) {
    if (frameInterval > 0 && !Double.isInfinite(frameInterval))
      return new TimeAxis(frameInterval, "s");
    if (frameInterval == 0) {
      ij.measure.Calibration cal = imp.getCalibration();
      return new TimeAxis(cal.frameInterval, cal.getTimeUnit());
    }
    throw new EcmException(EcmException.EINVAL, "frame interval must be >= 0 and finite (got "
        + fmt(frameInterval) + "; 0 = from Image>Properties)");
  }

  static int count(byte[] m) {
    int n = 0;
    for (byte v : m) n += v != 0 ? 1 : 0;
    return n;
  }

  /** Integer from a dialog/macro number; refuses fractions and out-of-range values. */
  static int toInt(String name, double v, int min, int max) {
    if (Double.isNaN(v) || v != Math.rint(v) || v < min || v > max)
      throw new EcmException(EcmException.EINVAL,
          name + " must be a whole number in [" + min + ", " + max + "] (got " + fmt(v) + ")");
    return (int) v;
  }

  /** The computing step of a command (core call with progress). */
  interface Compute<P, R> {
    R apply(ImagePlus imp, P p, Progress progress);
  }

  /**
   * Runs a command on the current image: ask (the dialog or the macro options; null =
   * cancelled), compute (progress in the status bar, Esc cancels), hand the result to
   * `keep`, then display it. Core errors become one error message, never an exception out of
   * the plugin.
   */
  static <P, R> void runOnCurrentImage(String title, java.util.function.Function<ImagePlus, P> ask,
      Compute<P, R> compute, java.util.function.BiConsumer<ImagePlus, R> display,
      java.util.function.Consumer<R> keep) {
    ImagePlus imp = WindowManager.getCurrentImage();
    if (imp == null) {
      dontRecord();
      error(title, "There is no image open: open an ECM image series first.");
      return;
    }
    try {
      P p = ask.apply(imp);
      if (p == null) {
        dontRecord();
        return;
      }
      R r = compute.apply(imp, p, new IJProgress(title));
      keep.accept(r);
      display.accept(imp, r);
    } catch (EcmException e) {
      report(title, e);
    } catch (OutOfMemoryError e) {
      dontRecord();
      IJ.outOfMemory(title);
    } catch (RuntimeException e) {
      internalError(title, e);
    } finally {
      IJ.showProgress(1.0);
    }
  }
}
