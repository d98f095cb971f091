class Mialloc < Formula
  desc "Fast general-purpose memory allocator with per-thread heaps"
  homepage "https://github.com/mialloc/mialloc"
  url "https://github.com/mialloc/mialloc/releases/download/v0.1.0/mialloc-0.1.0.tar.gz"
  sha256 "801406086bcd0aadfb324d1f6109db0de6785e4d9902aeaaea7d263c416f1bb6"
  license "MIT"

  head do
    url "https://github.com/mialloc/mialloc.git", branch: "main"

    depends_on "autoconf" => :build
    depends_on "automake" => :build
    depends_on "libtool" => :build
  end

  depends_on "pkgconf" => [:build, :test]

  def install
    system "./autogen.sh" if build.head?
    system "./configure", "--disable-silent-rules", *std_configure_args
    system "make"
    system "make", "install"
  end

  test do
    # The version the library was built as: from the package, since a HEAD
    # build's formula version is "HEAD-<commit>".
    pkg_version = shell_output("pkgconf --modversion mialloc").chomp
    major, minor, patch = pkg_version.split(".").map(&:to_i)

    # A program of the mi_* API, built through pkg-config.
    (testpath/"api.c").write <<~C
      #include <mialloc.h>
      #include <stdio.h>
      #include <string.h>

      int main(void) {
        char *s = mi_strdup("mialloc test");
        if (s == NULL || strcmp(s, "mialloc test") != 0 || !mi_check_owned(s))
          return 1;
        mi_free(s);
        printf("version %d\\n", mi_version());
        mi_stats_print(NULL);
        return 0;
      }
    C
    flags = shell_output("pkgconf --cflags --libs mialloc").chomp.split
    system ENV.cc, "api.c", "-o", "api", *flags
    output = shell_output("./api 2>&1")
    assert_match "version #{(major * 10000) + (minor * 100) + patch}", output
    assert_match "mialloc #{pkg_version} statistics", output

    # A program that knows nothing of mialloc, run with the library
    # preloaded: its malloc must be mialloc's, and the statistics printed.
    (testpath/"plain.c").write <<~C
      #include <dlfcn.h>
      #include <stdbool.h>
      #include <stdio.h>
      #include <stdlib.h>

      int main(void) {
        void *p = malloc(100);
        bool (*owned)(const void *) = (bool (*)(const void *))dlsym(RTLD_DEFAULT, "mi_check_owned");
        puts(owned != NULL && owned(p) ? "malloc is mialloc's" : "malloc is not mialloc's");
        free(p);
        return 0;
      }
    C
    system ENV.cc, "plain.c", "-o", "plain", *(OS.linux? ? ["-ldl"] : [])
    preload = OS.mac? ? "DYLD_INSERT_LIBRARIES" : "LD_PRELOAD"
    output = shell_output("#{preload}=#{lib/shared_library("libmialloc", 0)} MIALLOC_SHOW_STATS=1 ./plain 2>&1")
    assert_match "malloc is mialloc's", output
    assert_match "mialloc #{pkg_version} statistics", output
    output = shell_output("#{bin}/mialloc-run --stats ./plain 2>&1")
    assert_match "malloc is mialloc's", output
    assert_match "mialloc #{pkg_version} statistics", output
    assert_match "mialloc-run (mialloc) #{pkg_version}", shell_output("#{bin}/mialloc-run --version")
  end
end
