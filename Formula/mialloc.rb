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

  depends_on "check" => :build
  depends_on "pkgconf" => [:build, :test]

  def install
    system "./autogen.sh" if build.head?
    system "./configure", "--disable-silent-rules", *std_configure_args
    system "make"
    system "make", "check"
    system "make", "install"
  end

  test do
    (testpath/"test.c").write <<~C
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
    system ENV.cc, "test.c", "-o", "test", *flags
    output = shell_output("./test 2>&1")
    major, minor, patch = version.to_s.split(".").map(&:to_i)
    assert_match "version #{(major * 10000) + (minor * 100) + patch}", output
    assert_match "mialloc #{version} statistics", output
    assert_match "mialloc-run (mialloc) #{version}", shell_output("#{bin}/mialloc-run --version")
  end
end
