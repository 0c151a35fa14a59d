package ecm.fiji;

import ij.IJ;
import ij.plugin.PlugIn;

/** Plugins>ECM>About / Self-test: versions and a quick check of the native library. */
public class About implements PlugIn {
  static final String TITLE = "About ECM";

  @Override
  public void run(String arg) {
    String report = report();
    // report() logged everything; a batch-mode macro must not stop at a dialog
    if (Util.headless() || ij.macro.Interpreter.isBatchMode()) return;
    IJ.showMessage(TITLE, report);
  }

  /** Logs versions and the self-test; returns the text. Never throws. */
  public static String report() {
    StringBuilder sb = new StringBuilder();
    sb.append("ECM Analysis plugin for Fiji/ImageJ\n");
    sb.append("ImageJ ").append(IJ.getVersion()).append(", Java ")
        .append(System.getProperty("java.version")).append(", ")
        .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch"))
        .append(" (platform ").append(EcmNative.platform()).append(")\n");
    try {
      sb.append("libecm ").append(EcmNative.version()).append(", loaded from ")
          .append(EcmNative.loadedFrom()).append('\n');
      sb.append("Libraries:\n");
      for (String lib : EcmNative.buildInfo().split("; ")) sb.append("  ").append(lib).append('\n');
      sb.append("Self-test: ").append(EcmNative.selfTest()).append('\n');
      sb.append("ECM self-test passed");
    } catch (EcmException e) {
      sb.append("ECM self-test FAILED: ").append(e.getMessage());
    } catch (LinkageError e) {
      sb.append("ECM self-test FAILED: ").append(e);
    }
    for (String line : sb.toString().split("\n")) IJ.log(line);
    return sb.toString();
  }
}
