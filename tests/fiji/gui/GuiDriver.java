// jvm.fiji.gui: the plugin in real ImageJ with a display (run under xvfb-run by
// tests/fiji/jvm_gui.sh). ImageJ installs the ECM menu from plugins.config of the jar in
// <home>/plugins; the driver then works the GUI as a user would:
//   a. Macro Recorder on, Relaxation Maps from its dialog (one field changed, OK pressed):
//      exactly one recorded run("Relaxation Maps", "...points_per_decade=8...") line, whose
//      replay gives the same Results row; the dialog's Help button opens the guide page;
//   b. Esc during a long Relaxation Maps run: "cancelled" in the Log, no maps, no row, and
//      ImageJ goes on working;
//   c. Cancel in a command's dialog: nothing happens, nothing is recorded, no error;
//   e. g2 Inspector: a mouse click on the stack's canvas updates the "g2 curve" table to
//      that pixel's curve (compared with G2Inspector's public API).
// Prints "GUI ok ..." / "GUI FAIL ..." lines and "PASS: gui" at the end when all passed.
// Usage: java -Duser.home=... -cp ij.jar:ECM_Analysis.jar:classes GuiDriver IJ_HOME
import ecm.fiji.G2Inspector;
import ij.IJ;
import ij.ImageJ;
import ij.ImagePlus;
import ij.Menus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.ImageCanvas;
import ij.gui.PlotWindow;
import ij.measure.ResultsTable;
import ij.plugin.frame.Recorder;
import java.awt.Button;
import java.awt.EventQueue;
import java.awt.TextField;
import java.awt.Window;
import java.awt.event.InputEvent;
import java.awt.event.KeyEvent;
import java.awt.event.MouseEvent;
import java.io.File;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Vector;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class GuiDriver {
  static final String MAPS = "Relaxation Maps";
  static final String MAPS_OPTIONS_SMALL =
      "frames=300 width=64 height=48 interval=0.5 pixel_size=2 tau_median=3 sigma=0.4"
      + " beta_min=0.6 beta_max=1 contrast=0.3 dose=0 map_correlation=3 seed=11";
  static ImageJ ij;

  public static void main(String[] args) throws Exception {
    Gui.watchdog(150);
    long t0 = System.nanoTime();
    String home = args[0];
    ij = Gui.startImageJ(home);
    menuInstalled(new File(home, "plugins/ECM_Analysis.jar"));
    ImagePlus small = recordAndReplay();
    if (small != null) {
      cancelWithEsc(small);
      dialogCancel(small);
      inspectorClick(small);
    }
    Gui.check(Gui.visible(ij.gui.MessageDialog.class, null).isEmpty(), "no error dialog open");
    Gui.check(WindowManager.getWindow("Exception") == null, "no Exception window");
    Gui.check(!Gui.log().contains("Exception") && !Gui.log().contains("ECM error"),
        "no exception or ECM error in the Log");
    System.out.printf(java.util.Locale.ROOT, "GUI time %.1f s%n", (System.nanoTime() - t0) * 1e-9);
    if (Gui.failures > 0) Gui.dumpWindows();
    System.out.println(Gui.failures == 0 ? "PASS: gui" : "FAIL: " + Gui.failures + " check(s)");
    System.out.flush();
    System.exit(Gui.failures == 0 ? 0 : 1);
  }

  /** Every command of the jar's plugins.config is in ImageJ's command table. */
  static void menuInstalled(File jar) throws Exception {
    Hashtable<?, ?> cmds = Menus.getCommands();
    List<String[]> want = Gui.pluginsConfig(jar);
    Gui.check(want.size() >= 11, "plugins.config lists " + want.size() + " commands");
    for (String[] c : want) {
      Object cls = cmds.get(c[0]);
      Gui.check(c[1].equals(cls), "menu command '" + c[0] + "' -> " + cls);
    }
  }

  /**
   * ImageJ 1.53t records run("<command>") for a command that returns without computing
   * (dialog Cancel, Esc) unless the command calls Recorder.disableCommandRecording(); the
   * plugin does (Util.dontRecord), and this checks it.
   */
  static void recordingCheck(boolean ok, String what) {
    Gui.check(ok, what);
  }


  static List<String> recordedLines(String command) {
    List<String> out = new ArrayList<>();
    Recorder rec = Recorder.getInstance();
    if (rec == null) return out;
    for (String line : rec.getText().split("\n"))
      if (line.startsWith("run(\"" + command + "\"")) out.add(line.trim());
    return out;
  }

  /** Values of one Results row, by column (NaN for text columns). */
  static boolean sameRow(ResultsTable rt, int a, int b) {
    boolean same = true;
    int ncol = 0;
    for (String h : rt.getHeadings()) {
      if (h.equals("Label") || rt.getColumnIndex(h) < 0) continue;
      if (h.equals("image")) {
        same &= rt.getStringValue(h, a).equals(rt.getStringValue(h, b));
        continue;
      }
      double x = rt.getValue(h, a), y = rt.getValue(h, b);
      boolean eq = (Double.isNaN(x) && Double.isNaN(y))
          || Math.abs(x - y) <= 1e-9 * Math.max(1, Math.max(Math.abs(x), Math.abs(y)));
      if (!eq) System.out.println("  differs: " + h + " " + Gui.f(x) + " vs " + Gui.f(y));
      same &= eq;
      ncol++;
    }
    Gui.check(ncol >= 20, "compared " + ncol + " numeric columns");
    return same;
  }

  /** a (and d): dialog, Help, record, replay. Returns the small stack. */
  static ImagePlus recordAndReplay() throws Exception {
    Gui.onEdt(new Runnable() {
      public void run() {
        new Recorder(); // Plugins>Macros>Record...
      }
    });
    Gui.check(Recorder.record && Recorder.getInstance() != null, "Macro Recorder recording");
    IJ.run("Simulate ECM Stack", MAPS_OPTIONS_SMALL);
    final ImagePlus small = WindowManager.getCurrentImage();
    if (!Gui.waitFor("the simulated stack window", 10, new Gui.Cond() {
          public boolean ok() {
            return small != null && small.getWindow() != null && small.getWindow().isShowing();
          }
        }))
      return null;
    small.setTitle("small");
    Gui.check(small.getNFrames() == 300, "simulated stack: " + small.getNFrames() + " frames");
    final int rows0 = Gui.rows();
    makeCurrent(small);
    IJ.doCommand(MAPS); // as the menu does: the command on its own thread
    GenericDialog gd = Gui.dialog(MAPS, 20);
    if (gd == null) return null;

    // d. the Help button shows the guide page from the jar
    Button[] bs = gd.getButtons();
    Button help = Gui.button(gd, "Help");
    Gui.check(help != null && bs.length >= 4 && bs[3] == help, "dialog has a Help button");
    if (help != null) {
      Gui.click(help);
      final String helpTitle = MAPS + " Help";
      if (Gui.waitFor("the help window", 10, new Gui.Cond() {
            public boolean ok() {
              return !Gui.visible(null, helpTitle).isEmpty();
            }
          })) {
        final Window hw = Gui.visible(null, helpTitle).get(0);
        String text = Gui.texts((java.awt.Container) hw);
        Gui.check(text.contains("points_per_decade") && text.contains("Esc"),
            "help window " + hw.getClass().getSimpleName() + " shows the Relaxation Maps page ("
                + text.length() + " chars)");
        EventQueue.invokeLater(new Runnable() {
          public void run() {
            hw.dispose();
          }
        });
        Gui.waitFor("the help window to close", 5, new Gui.Cond() {
          public boolean ok() {
            return !hw.isShowing();
          }
        });
      }
    }

    // a. change Points_per_decade to 8 and press OK
    Vector<?> nf = gd.getNumericFields();
    final TextField ppd = (TextField) nf.get(1);
    Gui.check(ppd.getText().trim().equals("10.0") || ppd.getText().trim().equals("10"),
        "points per decade field shows " + ppd.getText());
    Gui.onEdt(new Runnable() {
      public void run() {
        ppd.setText("8");
      }
    });
    Button ok = Gui.button(gd, "OK");
    Gui.check(ok != null, "dialog has an OK button");
    if (ok == null) return null;
    Gui.click(ok);
    if (!Gui.waitFor("the maps and a Results row", 60, new Gui.Cond() {
          public boolean ok() {
            return Gui.image("small_tau") != null && Gui.rows() == rows0 + 1
                && !Gui.threadAlive(MAPS);
          }
        }))
      return null;
    ImagePlus tau = Gui.image("small_tau");
    Gui.check(tau.getWindow() != null && tau.getOverlay() != null,
        "tau map shown with its calibration bar overlay");
    List<String> lines = recordedLines(MAPS);
    Gui.check(lines.size() == 1, "recorded " + lines.size() + " Relaxation Maps line(s): " + lines);
    if (lines.size() != 1) return null;
    Matcher m = Pattern.compile("^run\\(\"Relaxation Maps\", \"(.*)\"\\);$").matcher(lines.get(0));
    Gui.check(m.matches() && m.group(1).contains("points_per_decade=8 "),
        "recorded line carries points_per_decade=8");
    if (!m.matches()) return null;
    final String options = m.group(1);
    Gui.check(recordedLines("Simulate ECM Stack").isEmpty(),
        "IJ.run from Java is not recorded");

    // replay the recorded line as a macro does
    makeCurrent(small);
    WindowManager.setTempCurrentImage(small);
    IJ.run(MAPS, options);
    WindowManager.setTempCurrentImage(null);
    ResultsTable rt = ResultsTable.getResultsTable();
    Gui.check(rt.size() == rows0 + 2, "replay added one Results row");
    if (rt.size() == rows0 + 2)
      Gui.check(sameRow(rt, rows0, rows0 + 1), "replayed row equals the dialog's row (tau_med_s="
          + Gui.f(rt.getValue("tau_med_s", rows0 + 1)) + ")");
    Gui.check(Gui.count(Gui.log(), "points_per_decade=8.00000,") == 2,
        "both runs logged points_per_decade=8");
    Gui.check(recordedLines(MAPS).size() == 1, "the replay (a macro call) was not recorded");
    return small;
  }

  /**
   * Makes imp the current image the way a click on its window does, and waits until ImageJ
   * agrees: windows opened just before (the simulator's truth maps) may still be receiving
   * their activation events, which would otherwise make one of them current again.
   */
  static void makeCurrent(final ImagePlus imp) {
    Gui.waitFor(imp.getTitle() + " window showing", 10, new Gui.Cond() {
      public boolean ok() {
        return imp.getWindow() != null && imp.getWindow().isShowing();
      }
    });
    for (int i = 0; i < 3; i++) {
      Gui.onEdt(new Runnable() { // drain pending window events, then activate
        public void run() {}
      });
      Gui.sleep(100);
    }
    Gui.onEdt(new Runnable() {
      public void run() {
        imp.getWindow().toFront();
        WindowManager.setCurrentWindow(imp.getWindow());
      }
    });
    Gui.check(Gui.waitFor(imp.getTitle() + " current", 5, new Gui.Cond() {
      public boolean ok() {
        return WindowManager.getCurrentImage() == imp;
      }
    }), imp.getTitle() + " is the current image");
  }

  /** b: Esc while Relaxation Maps runs on a long stack. */
  static void cancelWithEsc(final ImagePlus small) throws Exception {
    IJ.run("Simulate ECM Stack", "frames=2000 width=96 height=96 interval=0.5 pixel_size=2"
        + " tau_median=20 sigma=0.4 beta_min=0.6 beta_max=1 contrast=0.3 dose=0"
        + " map_correlation=3 seed=12");
    final ImagePlus big = WindowManager.getCurrentImage();
    Gui.check(big != null && big.getNFrames() == 2000, "long stack simulated");
    if (big == null) return;
    big.setTitle("big");
    final int images = WindowManager.getImageCount(), rows = Gui.rows();
    final int cancels = Gui.count(Gui.log(), MAPS + ": cancelled");
    final int started = Gui.count(Gui.log(), MAPS + ": big, 2000 frames");
    final int recorded = recordedLines(MAPS).size();
    makeCurrent(big);
    IJ.doCommand(MAPS);
    GenericDialog gd = Gui.dialog(MAPS, 20);
    if (gd == null) return;
    Gui.click(Gui.button(gd, "OK"));
    if (!Gui.waitFor("the long run to start", 20, new Gui.Cond() {
          public boolean ok() {
            return Gui.count(Gui.log(), MAPS + ": big, 2000 frames") > started;
          }
        }))
      return;
    final long tEsc = System.nanoTime();
    Gui.sleep(100); // into the native computation
    // Esc as the user presses it: ImageJ's key handler (image windows forward keys to it)
    Gui.onEdt(new Runnable() {
      public void run() {
        ij.keyPressed(new KeyEvent(ij, KeyEvent.KEY_PRESSED, System.currentTimeMillis(), 0,
            KeyEvent.VK_ESCAPE, (char) 27));
      }
    });
    if (!Gui.waitFor("'cancelled' in the Log", 30, new Gui.Cond() {
          public boolean ok() {
            return Gui.count(Gui.log(), MAPS + ": cancelled") > cancels && !Gui.threadAlive(MAPS);
          }
        }))
      return;
    Gui.check(true, String.format(java.util.Locale.ROOT, "cancelled %.2f s after Esc",
        (System.nanoTime() - tEsc) * 1e-9));
    Gui.sleep(200); // a late window would show up by now
    Gui.check(Gui.image("big_tau") == null && WindowManager.getImageCount() == images,
        "no maps after the cancel (" + WindowManager.getImageCount() + " images)");
    Gui.check(Gui.rows() == rows, "no Results row after the cancel");
    Gui.check(Gui.visible(ij.gui.MessageDialog.class, null).isEmpty(),
        "no error dialog after the cancel");
    List<String> now = recordedLines(MAPS);
    recordingCheck(now.size() == recorded, "the cancelled run was not recorded"
        + (now.size() == recorded ? "" : " (recorded: " + now.subList(recorded, now.size()) + ")"));
    big.changes = false;
    Gui.onEdt(new Runnable() {
      public void run() {
        big.close();
      }
    });
    // ImageJ still works: the same command again, from a macro call
    WindowManager.setTempCurrentImage(small);
    IJ.run(MAPS, "frame_interval=0 slices_as_time points_per_decade=10 max_lag=0"
        + " bias_correction threads=0");
    WindowManager.setTempCurrentImage(null);
    Gui.check(Gui.rows() == rows + 1 && Gui.count(Gui.log(), MAPS + ": cancelled") == cancels + 1,
        "after the cancel, Relaxation Maps runs again (row " + Gui.rows() + ")");
  }

  /** c: Cancel in a command's dialog does nothing. */
  static void dialogCancel(ImagePlus small) throws Exception {
    for (String cmd : new String[] {"Simulate ECM Stack", MAPS}) {
      final String c = cmd;
      final int images = WindowManager.getImageCount(), rows = Gui.rows();
      final int recorded = recordedLines(cmd).size();
      final String logBefore = Gui.log();
      makeCurrent(small);
      IJ.doCommand(cmd);
      GenericDialog gd = Gui.dialog(cmd, 20);
      if (gd == null) return;
      Button cancel = Gui.button(gd, "Cancel");
      Gui.check(cancel != null, cmd + ": dialog has a Cancel button");
      if (cancel == null) return;
      Gui.click(cancel);
      if (!Gui.waitFor(cmd + " to end after Cancel", 10, new Gui.Cond() {
            public boolean ok() {
              return !Gui.threadAlive(c) && Gui.visible(GenericDialog.class, c).isEmpty();
            }
          }))
        return;
      Gui.sleep(150);
      Gui.check(WindowManager.getImageCount() == images && Gui.rows() == rows,
          cmd + ": Cancel opened nothing and added no row");
      List<String> now = recordedLines(cmd);
      recordingCheck(now.size() == recorded, cmd + ": Cancel recorded nothing"
          + (now.size() == recorded ? "" : " (recorded: " + now.subList(recorded, now.size()) + ")"));
      String added = Gui.log().substring(Math.min(logBefore.length(), Gui.log().length()));
      Gui.check(added.trim().isEmpty(), cmd + ": Cancel logged nothing" + (added.trim().isEmpty()
          ? "" : ": " + added.trim()));
      Gui.check(Gui.visible(ij.gui.MessageDialog.class, null).isEmpty(),
          cmd + ": no error dialog");
    }
  }

  /** e: g2 Inspector follows a mouse click on the stack. */
  static void inspectorClick(final ImagePlus small) throws Exception {
    final int rows = Gui.rows();
    WindowManager.setTempCurrentImage(small);
    IJ.run("g2 Inspector", "frame_interval=0 slices_as_time points_per_decade=10 max_lag=0"
        + " bias_correction x=-1 y=-1");
    WindowManager.setTempCurrentImage(null);
    Gui.check(Gui.rows() == rows + 1, "g2 Inspector added its Results row");
    if (!Gui.waitFor("the g2 Inspector plot and curve table", 10, new Gui.Cond() {
          public boolean ok() {
            return WindowManager.getWindow(G2Inspector.PLOT_TITLE) instanceof PlotWindow
                && ResultsTable.getResultsTable(G2Inspector.CURVE_TABLE) != null;
          }
        }))
      return;
    // the expected curves, from the public API on the same stack
    G2Inspector api = new G2Inspector();
    api.open(small, new G2Inspector.Params());
    final int px = 4, py = 11;
    final double[] want = api.pixel(px, py).curve.g2;
    double[] centre = api.pixel(small.getWidth() / 2, small.getHeight() / 2).curve.g2;
    api.close();
    double[] first = ResultsTable.getResultsTable(G2Inspector.CURVE_TABLE).getColumn("g2");
    Gui.check(same(first, centre), "first curve is the centre pixel's");
    Gui.check(!same(want, centre), "pixel (" + px + ", " + py + ") differs from the centre");

    final ImageCanvas cv = small.getCanvas();
    final int sx = cv.screenXD(px + 0.5), sy = cv.screenYD(py + 0.5);
    Gui.check(cv.offScreenX(sx) == px && cv.offScreenY(sy) == py,
        "canvas point (" + sx + ", " + sy + ") at magnification " + cv.getMagnification()
            + " is pixel (" + px + ", " + py + ")");
    // a click as AWT delivers it: pressed, released, clicked
    EventQueue.invokeLater(new Runnable() {
      public void run() {
        long now = System.currentTimeMillis();
        int mod = InputEvent.BUTTON1_DOWN_MASK;
        cv.dispatchEvent(new MouseEvent(cv, MouseEvent.MOUSE_PRESSED, now, mod, sx, sy, 1, false,
            MouseEvent.BUTTON1));
        cv.dispatchEvent(new MouseEvent(cv, MouseEvent.MOUSE_RELEASED, now + 40, 0, sx, sy, 1,
            false, MouseEvent.BUTTON1));
        cv.dispatchEvent(new MouseEvent(cv, MouseEvent.MOUSE_CLICKED, now + 40, 0, sx, sy, 1,
            false, MouseEvent.BUTTON1));
      }
    });
    final long tClick = System.nanoTime();
    if (Gui.waitFor("the curve table to show pixel (" + px + ", " + py + ")", 10, new Gui.Cond() {
          public boolean ok() {
            ResultsTable t = ResultsTable.getResultsTable(G2Inspector.CURVE_TABLE);
            return t != null && same(t.getColumn("g2"), want);
          }
        })) {
      Gui.check(true, String.format(java.util.Locale.ROOT,
          "click updated the g2 curve table to pixel (%d, %d) in %.0f ms", px, py,
          (System.nanoTime() - tClick) * 1e-6));
    }
    Gui.sleep(100);
    Gui.check(Gui.rows() == rows + 1, "the click added no Results row");
    PlotWindow pw = (PlotWindow) WindowManager.getWindow(G2Inspector.PLOT_TITLE);
    Gui.check(pw != null && pw.isShowing(), "g2 Inspector plot still open");
  }

  static boolean same(double[] a, double[] b) {
    if (a == null || b == null || a.length != b.length) return false;
    for (int i = 0; i < a.length; i++) {
      if (Double.isNaN(a[i]) && Double.isNaN(b[i])) continue;
      if (!(Math.abs(a[i] - b[i]) <= 1e-9 * Math.max(1, Math.abs(b[i])))) return false;
    }
    return true;
  }
}
