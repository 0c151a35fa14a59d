package ecm.fiji;

import ij.IJ;

/** Forwards native progress to ImageJ's progress bar and status line; Esc cancels. */
final class IJProgress implements Progress {
  private final String title;
  private String lastStage = "";

  IJProgress(String title) {
    this.title = title;
    IJ.resetEscape();
  }

  @Override
  public boolean update(double fraction, String stage) {
    IJ.showProgress(fraction);
    if (stage != null && !stage.equals(lastStage)) {
      lastStage = stage;
      IJ.showStatus(title + ": " + stage + " (Esc cancels)");
    }
    return IJ.escapePressed();
  }
}
