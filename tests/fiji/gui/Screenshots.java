// The screenshots of the user guide (docs/images/*.png), taken from real ImageJ windows on a
// virtual display by scripts/screenshots.sh (not part of CI). Each command runs on simulated
// data as a user would run it; the windows are captured with java.awt.Robot as the screen
// shows them (maps zoomed, with their calibration bars; plots with their buttons; dialogs).
// Usage: java -Duser.home=... -cp ij.jar:ECM_Analysis.jar:classes Screenshots IJ_HOME DATA OUT
//   DATA holds align.tif (drifting stack), g4.tif (domains), aging.tif (--aging 4) and
//   tseries.csv (an Arrhenius series), written by the script with the ecm CLI.
// Prints "SHOT <name> <w>x<h>" per image and "SHOTS done failures=N".
import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.ImageWindow;
import ij.gui.PlotWindow;
import java.awt.Button;
import java.awt.Color;
import java.awt.EventQueue;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.TextField;
import java.awt.Window;
import java.awt.image.BufferedImage;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Vector;
import javax.imageio.ImageIO;

public class Screenshots {
  static File out, data;
  static int failures = 0;
  static final int MAX_W = 900;
  static final String STACK = "ECM simulation";
  /** Maps are named after the short title (ImageJ cuts it at the first space). */
  static final String BASE = "ECM";

  public static void main(String[] args) throws Exception {
    Gui.watchdog(480);
    String home = args[0];
    data = new File(args[1]);
    out = new File(args[2]);
    out.mkdirs();
    Gui.startImageJ(home);
    // one task per image; a failing one is reported and the others still run
    String[] names = {"simulate-stack", "relaxation-maps", "g2-inspector", "tau-histogram",
        "split-maps", "map-correlation", "align-stack", "four-point-correlation",
        "two-time-correlation", "temperature-series", "about"};
    for (String n : names) {
      try {
        long t0 = System.nanoTime();
        Screenshots.class.getDeclaredMethod(n.replace('-', '_')).invoke(null);
        System.out.printf(java.util.Locale.ROOT, "  (%s: %.1f s)%n", n, (System.nanoTime() - t0) * 1e-9);
      } catch (java.lang.reflect.InvocationTargetException e) {
        failures++;
        System.out.println("SHOT FAIL " + n + ": " + e.getCause());
        e.getCause().printStackTrace(System.out);
        Gui.dumpWindows();
      }
    }
    failures += Gui.failures;
    System.out.println("SHOTS done failures=" + failures);
    System.out.flush();
    System.exit(failures == 0 ? 0 : 1);
  }

  // ---- helpers ----

  static void need(boolean ok, String what) {
    if (!ok) throw new IllegalStateException(what);
  }

  /** Puts a window at (x, y) in front and waits until it has repainted. */
  static void place(final Window w, final int x, final int y) {
    Gui.onEdt(new Runnable() {
      public void run() {
        w.setLocation(x, y);
        w.toFront();
      }
    });
    Gui.sleep(150);
    Gui.onEdt(new Runnable() {
      public void run() {
        w.repaint();
        if (w instanceof ImageWindow) ((ImageWindow) w).getCanvas().repaint();
      }
    });
    Gui.sleep(450);
  }

  static BufferedImage grab(Window w) throws Exception {
    place(w, 20, 20);
    return Gui.capture(w);
  }

  /** Side by side (top-aligned) on white, 10 px apart. */
  static BufferedImage row(BufferedImage... parts) {
    int w = 0, h = 0;
    for (BufferedImage p : parts) {
      w += p.getWidth() + (w > 0 ? 10 : 0);
      h = Math.max(h, p.getHeight());
    }
    BufferedImage m = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = m.createGraphics();
    g.setColor(Color.white);
    g.fillRect(0, 0, w, h);
    int x = 0;
    for (BufferedImage p : parts) {
      g.drawImage(p, x, 0, null);
      x += p.getWidth() + 10;
    }
    g.dispose();
    return m;
  }

  /** One above the other (left-aligned) on white, 10 px apart. */
  static BufferedImage column(BufferedImage... parts) {
    int w = 0, h = 0;
    for (BufferedImage p : parts) {
      h += p.getHeight() + (h > 0 ? 10 : 0);
      w = Math.max(w, p.getWidth());
    }
    BufferedImage m = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = m.createGraphics();
    g.setColor(Color.white);
    g.fillRect(0, 0, w, h);
    int y = 0;
    for (BufferedImage p : parts) {
      g.drawImage(p, 0, y, null);
      y += p.getHeight() + 10;
    }
    g.dispose();
    return m;
  }

  static void save(String name, BufferedImage img) throws Exception {
    if (img.getWidth() > MAX_W) { // never wider than MAX_W (scaled smoothly)
      int h = (int) Math.round(img.getHeight() * (double) MAX_W / img.getWidth());
      BufferedImage s = new BufferedImage(MAX_W, h, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = s.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
      g.drawImage(img, 0, 0, MAX_W, h, null);
      g.dispose();
      System.out.println("  note: " + name + " scaled from " + img.getWidth() + " px wide");
      img = s;
    }
    File f = new File(out, name + ".png");
    ImageIO.write(img, "png", f);
    System.out.println("SHOT " + f.getName() + " " + img.getWidth() + "x" + img.getHeight());
  }

  static ImagePlus image(final String title) {
    final ImagePlus[] r = {null};
    need(Gui.waitFor("image '" + title + "'", 20, new Gui.Cond() {
      public boolean ok() {
        r[0] = Gui.image(title);
        return r[0] != null && r[0].getWindow() != null && r[0].getWindow().isShowing();
      }
    }), "no image " + title);
    return r[0];
  }

  static Window window(final String title) {
    final Window[] r = {null};
    need(Gui.waitFor("window '" + title + "'", 20, new Gui.Cond() {
      public boolean ok() {
        List<Window> ws = Gui.visible(null, title);
        if (ws.isEmpty()) return false;
        r[0] = ws.get(ws.size() - 1);
        return true;
      }
    }), "no window " + title);
    return r[0];
  }

  /** Zooms an image window to `percent` (Image>Zoom>Set) and returns the window. */
  static ImageWindow zoom(ImagePlus imp, int percent) {
    IJ.run(imp, "Set... ", "zoom=" + percent + " x=" + imp.getWidth() / 2 + " y="
        + imp.getHeight() / 2);
    Gui.sleep(200);
    return imp.getWindow();
  }

  /** Runs a command on the current image as a macro line (blocks until it is done). */
  static void run(ImagePlus imp, String cmd, String options) {
    if (imp != null) WindowManager.setTempCurrentImage(imp);
    IJ.run(cmd, options);
    WindowManager.setTempCurrentImage(null);
  }

  static void setField(GenericDialog gd, int index, final String value) {
    final TextField tf = (TextField) gd.getNumericFields().get(index);
    Gui.onEdt(new Runnable() {
      public void run() {
        tf.setText(value);
        tf.select(0, 0);
        tf.setCaretPosition(value.length());
      }
    });
  }

  static void closeAllImages() {
    Gui.onEdt(new Runnable() {
      public void run() {
        int[] ids = WindowManager.getIDList();
        if (ids == null) return;
        for (int id : ids) {
          ImagePlus imp = WindowManager.getImage(id);
          if (imp == null) continue;
          imp.changes = false;
          imp.close();
        }
      }
    });
  }

  static void closeWindow(final String title) {
    for (final Window w : Gui.visible(null, title))
      Gui.onEdt(new Runnable() {
        public void run() {
          w.dispose();
        }
      });
  }

  static ImagePlus stack() {
    return image(STACK);
  }

  // ---- the images ----

  /** The Simulate dialog filled in for the guide's stack, then the stack and its truth. */
  static void simulate_stack() throws Exception {
    IJ.doCommand("Simulate ECM Stack");
    GenericDialog gd = Gui.dialog("Simulate ECM Stack", 20);
    need(gd != null, "no dialog");
    String[] v = {"1000", "128", "128", "0.5", "0.5", "5", "0.5", "0.5", "1", "0.3", "0", "8", "1"};
    for (int i = 0; i < v.length; i++) setField(gd, i, v[i]);
    BufferedImage dlg = grab(gd);
    Gui.click(Gui.button(gd, "OK"));
    ImagePlus st = stack();
    ImagePlus truth = image(STACK + " truth tau");
    need(st.getNFrames() == 1000 && st.getWidth() == 128, "stack size");
    st.setT(250);
    BufferedImage a = grab(zoom(st, 200));
    BufferedImage b = grab(zoom(truth, 200));
    save("simulate-stack", row(dlg, column(a, b)));
  }

  static void relaxation_maps() throws Exception {
    run(stack(), "Relaxation Maps", "frame_interval=0 slices_as_time points_per_decade=10"
        + " max_lag=0 bias_correction threads=0");
    BufferedImage tau = grab(zoom(image(BASE + "_tau"), 300));
    BufferedImage beta = grab(zoom(image(BASE + "_beta"), 300));
    save("relaxation-maps", row(tau, beta));
  }

  static void g2_inspector() throws Exception {
    ImagePlus st = stack();
    // a typical pixel: converged, tau near the median, the smallest relative error of tau
    ecm.fiji.G2Inspector api = new ecm.fiji.G2Inspector();
    api.open(st, new ecm.fiji.G2Inspector.Params());
    int bx = st.getWidth() / 2, by = st.getHeight() / 2;
    double best = Double.POSITIVE_INFINITY;
    for (int y = 8; y < st.getHeight() - 8; y += 6) {
      for (int x = 8; x < st.getWidth() - 8; x += 6) {
        double[] q = api.pixel(x, y).curve.params;
        double tau = q[ecm.fiji.NativeG2.P_TAU], err = q[ecm.fiji.NativeG2.P_TAU_ERR];
        if (q[ecm.fiji.NativeG2.P_STATE] != 0 || !(tau > 3 && tau < 8)) continue;
        if (err / tau < best) {
          best = err / tau;
          bx = x;
          by = y;
        }
      }
    }
    api.close();
    run(st, "g2 Inspector", "frame_interval=0 slices_as_time points_per_decade=10 max_lag=0"
        + " bias_correction x=" + bx + " y=" + by);
    Window w = window("g2 Inspector");
    need(w instanceof PlotWindow, "no plot window");
    save("g2-inspector", grab(w));
  }

  static void tau_histogram() throws Exception {
    run(image(BASE + "_tau"), "Tau Histogram", "bins=0 log_axis");
    save("tau-histogram", grab(window("Tau Histogram of " + BASE + "_tau")));
  }

  static void split_maps() throws Exception {
    run(stack(), "Split / Sliding-Window Maps", "mode=halves frame_interval=0 slices_as_time"
        + " points_per_decade=10 max_lag=0 bias_correction threads=0");
    BufferedImage a = grab(zoom(image(BASE + "_half1_tau"), 300));
    BufferedImage b = grab(zoom(image(BASE + "_half2_tau"), 300));
    save("split-maps", row(a, b));
  }

  static void map_correlation() throws Exception {
    run(image(BASE + "_tau"), "Map Correlation", "map1=[" + BASE + "_tau] map2=[" + STACK
        + " truth tau] log block=4 permutations=999 seed=1 max_lag=0");
    save("map-correlation", grab(window("Map correlation: " + BASE + "_tau vs " + STACK
        + " truth tau")));
  }

  /** The dialog on a drifting stack, then the shifts table next to the aligned stack. */
  static void align_stack() throws Exception {
    closeAllImages();
    ImagePlus in = IJ.openImage(new File(data, "align.tif").getPath());
    in.show();
    image("align.tif");
    WindowManager.setCurrentWindow(in.getWindow());
    IJ.doCommand("Align Stack");
    GenericDialog gd = Gui.dialog("Align Stack", 20);
    need(gd != null, "no dialog");
    BufferedImage dlg = grab(gd);
    Gui.click(Gui.button(gd, "OK"));
    ImagePlus al = image("align_aligned");
    final Window tw = window("Drift shifts");
    Gui.onEdt(new Runnable() {
      public void run() {
        tw.setSize(600, 330);
      }
    });
    BufferedImage table = grab(tw);
    al.setT(al.getNFrames());
    BufferedImage stack = grab(zoom(al, 200));
    save("align-stack", row(column(dlg, table), stack));
  }

  static void four_point_correlation() throws Exception {
    closeAllImages();
    ImagePlus in = IJ.openImage(new File(data, "g4.tif").getPath());
    in.show();
    image("g4.tif");
    run(in, "Four-Point Correlation", "frame_interval=0 slices_as_time"
        + " lags=1,2,3,5,7,10,14,20,28,40 lag_unit=frames variant=conventional max_radius=16"
        + " xi_lag=10 methods=exp,sep,contour sep_model=full contour_ring=1 tau_map=none"
        + " domain_window=0 threads=0");
    BufferedImage radial = grab(window("g4 g4(dr)"));
    BufferedImage contour = grab(window("g4 g4 0.5 contour"));
    save("four-point-correlation", column(radial, contour));
  }

  static void two_time_correlation() throws Exception {
    closeAllImages();
    ImagePlus in = IJ.openImage(new File(data, "aging.tif").getPath());
    in.show();
    image("aging.tif");
    run(in, "Two-Time Correlation", "frame_interval=0 bin_time=1 slices_as_time threads=0");
    ImagePlus ttcf = image("aging_ttcf");
    BufferedImage img = grab(ttcf.getWindow());
    BufferedImage plot = grab(window("aging tau vs age"));
    save("two-time-correlation", column(img, plot));
  }

  static void temperature_series() throws Exception {
    String csv = new File(data, "tseries.csv").getPath();
    run(null, "Temperature Series", "table=[Results] csv=[" + csv + "] temperature=T_K"
        + " tau=tau_med_s tau_error=[tau_err_s] xi=[none] xi_error=[none] model=Arrhenius"
        + " rfot_n=0");
    save("temperature-series", grab(window("Arrhenius: " + csv)));
  }

  static void about() throws Exception {
    IJ.doCommand("About / Self-test");
    Window w = window("About ECM");
    BufferedImage img = grab(w);
    Button ok = Gui.button((java.awt.Container) w, "OK");
    if (ok != null) Gui.click(ok);
    else closeWindow("About ECM");
    save("about", img);
  }
}
