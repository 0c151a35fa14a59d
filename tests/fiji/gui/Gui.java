// Helpers for the GUI drivers (GuiDriver, Screenshots) that run real ImageJ under Xvfb:
// start ImageJ with the plugin installed from its plugins folder, find and drive AWT
// dialogs, poll with timeouts, capture windows as PNG.
import ij.IJ;
import ij.ImageJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.measure.ResultsTable;
import java.awt.Button;
import java.awt.Component;
import java.awt.Container;
import java.awt.Dialog;
import java.awt.EventQueue;
import java.awt.Frame;
import java.awt.Rectangle;
import java.awt.Window;
import java.awt.event.ActionEvent;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

final class Gui {
  private Gui() {}

  static int failures = 0;

  static void check(boolean ok, String what) {
    System.out.println((ok ? "GUI ok " : "GUI FAIL ") + what);
    if (!ok) failures++;
  }

  static void note(String what) {
    System.out.println("GUI note " + what);
  }

  /** A condition polled by waitFor. */
  interface Cond {
    boolean ok() throws Exception;
  }

  /** Polls c every 20 ms for at most secs seconds; on timeout a failure with the windows. */
  static boolean waitFor(String what, double secs, Cond c) {
    long end = System.nanoTime() + (long) (secs * 1e9);
    Exception last = null;
    while (true) {
      try {
        if (c.ok()) return true;
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() > end) break;
      sleep(20);
    }
    check(false, "timed out after " + secs + " s waiting for " + what
        + (last != null ? " (last exception " + last + ")" : ""));
    dumpWindows();
    return false;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Kills the JVM after secs seconds (a modal dialog nobody answers must not hang a test). */
  static void watchdog(final double secs) {
    Thread t = new Thread(new Runnable() {
      public void run() {
        sleep((long) (secs * 1000));
        System.out.println("FAIL: watchdog: still running after " + secs + " s");
        dumpWindows();
        System.out.flush();
        Runtime.getRuntime().halt(3);
      }
    }, "gui-watchdog");
    t.setDaemon(true);
    t.start();
  }

  static String title(Window w) {
    if (w instanceof Frame) return ((Frame) w).getTitle();
    if (w instanceof Dialog) return ((Dialog) w).getTitle();
    return "";
  }

  /** Prints every visible window (class, title, bounds) and the end of the Log. */
  static void dumpWindows() {
    for (Window w : Window.getWindows()) {
      if (!w.isVisible()) continue;
      System.out.println("  window " + w.getClass().getName() + " '" + title(w) + "' "
          + w.getBounds());
      if (w instanceof ij.gui.MessageDialog) System.out.println("    text: " + texts(w));
    }
    String log = IJ.getLog();
    if (log != null) {
      String[] lines = log.split("\n");
      for (int i = Math.max(0, lines.length - 15); i < lines.length; i++)
        System.out.println("  log: " + lines[i]);
    }
  }

  /** The text of every Label / MultiLineLabel / text component inside a container. */
  static String texts(Container c) {
    StringBuilder sb = new StringBuilder();
    for (Component k : c.getComponents()) {
      if (k instanceof java.awt.Label) sb.append(((java.awt.Label) k).getText()).append(" | ");
      else if (k instanceof javax.swing.text.JTextComponent)
        sb.append(((javax.swing.text.JTextComponent) k).getText()).append(" | ");
      else if (k instanceof java.awt.TextComponent)
        sb.append(((java.awt.TextComponent) k).getText()).append(" | ");
      if (k instanceof Container) sb.append(texts((Container) k));
    }
    return sb.toString();
  }

  /** Visible windows of a class (or any class when null) with this title (any when null). */
  static List<Window> visible(Class<?> cls, String title) {
    List<Window> out = new ArrayList<>();
    for (Window w : Window.getWindows()) {
      if (!w.isVisible() || !w.isShowing()) continue;
      if (cls != null && !cls.isInstance(w)) continue;
      if (title != null && !title.equals(title(w))) continue;
      out.add(w);
    }
    return out;
  }

  /** Waits for a visible GenericDialog with this title. */
  static GenericDialog dialog(final String title, double secs) {
    final GenericDialog[] gd = {null};
    waitFor("dialog '" + title + "'", secs, new Cond() {
      public boolean ok() {
        List<Window> ws = visible(GenericDialog.class, title);
        if (ws.isEmpty()) return false;
        gd[0] = (GenericDialog) ws.get(0);
        return true;
      }
    });
    return gd[0];
  }

  /** The button labelled `label` (blanks around it ignored: "  OK  ") in a container, or null. */
  static Button button(Container c, String label) {
    for (Component k : c.getComponents()) {
      if (k instanceof Button && label.equals(((Button) k).getLabel().trim())) return (Button) k;
      if (k instanceof Container) {
        Button b = button((Container) k, label);
        if (b != null) return b;
      }
    }
    return null;
  }

  /** Clicks a button as AWT does: an ActionEvent dispatched to it on the event thread. */
  static void click(final Button b) {
    EventQueue.invokeLater(new Runnable() {
      public void run() {
        b.dispatchEvent(new ActionEvent(b, ActionEvent.ACTION_PERFORMED, b.getActionCommand()));
      }
    });
  }

  static void onEdt(Runnable r) {
    try {
      EventQueue.invokeAndWait(r);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** True while a thread of this name is alive (ImageJ's Executer names its thread so). */
  static boolean threadAlive(String name) {
    for (Thread t : Thread.getAllStackTraces().keySet())
      if (t.isAlive() && name.equals(t.getName())) return true;
    return false;
  }

  /** Every command of plugins.config inside the jar (menu label to class). */
  static List<String[]> pluginsConfig(File jar) throws Exception {
    List<String[]> out = new ArrayList<>();
    try (JarFile jf = new JarFile(jar)) {
      ZipEntry e = jf.getEntry("plugins.config");
      if (e == null) throw new IllegalStateException("no plugins.config in " + jar);
      BufferedReader br = new BufferedReader(new InputStreamReader(jf.getInputStream(e),
          StandardCharsets.UTF_8));
      for (String line; (line = br.readLine()) != null;) {
        line = line.trim();
        if (line.isEmpty() || line.startsWith("#")) continue;
        int q1 = line.indexOf('"'), q2 = line.indexOf('"', q1 + 1);
        if (q1 < 0 || q2 < 0) continue;
        String label = line.substring(q1 + 1, q2);
        if (label.equals("-")) continue;
        String cls = line.substring(q2 + 1).replaceFirst("^\\s*,\\s*", "").trim();
        out.add(new String[] {label, cls});
      }
    }
    return out;
  }

  /**
   * Starts real ImageJ (menu bar built, plugins installed from &lt;home&gt;/plugins) without
   * showing its main window. user.home and plugins.dir are set by the calling script.
   */
  static ImageJ startImageJ(String home) {
    System.setProperty("plugins.dir", home);
    ImageJ ij = new ImageJ(ImageJ.NO_SHOW);
    check(IJ.getInstance() != null, "ImageJ " + IJ.getFullVersion() + " started with a display"
        + " (headless=" + java.awt.GraphicsEnvironment.isHeadless() + ")");
    return ij;
  }

  /** The system Results table's row count. */
  static int rows() {
    return ResultsTable.getResultsTable().size();
  }

  static String log() {
    String s = IJ.getLog();
    return s == null ? "" : s;
  }

  static int count(String haystack, String needle) {
    int n = 0;
    for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) n++;
    return n;
  }

  static String f(double v) {
    return String.format(Locale.ROOT, "%.9g", v);
  }

  /** An open image by exact title, or null. */
  static ImagePlus image(String title) {
    int[] ids = WindowManager.getIDList();
    if (ids == null) return null;
    for (int id : ids) {
      ImagePlus imp = WindowManager.getImage(id);
      if (imp != null && title.equals(imp.getTitle())) return imp;
    }
    return null;
  }

  /** What the screen shows inside the window's bounds (java.awt.Robot). */
  static BufferedImage capture(Window w) throws Exception {
    Rectangle r = w.getBounds();
    Rectangle onScreen = new Rectangle(w.getLocationOnScreen(), r.getSize());
    return new java.awt.Robot().createScreenCapture(onScreen);
  }
}
