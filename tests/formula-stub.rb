# formula-stub.rb - a small stand-in for the part of Homebrew's formula DSL
# that Formula/mialloc.rb uses, so that tests/formula.sh can run the
# formula's install and test blocks without Homebrew.
#
#   ruby tests/formula-stub.rb FORMULA BUILDPATH PREFIX TESTPATH [HEAD-COMMIT]
#
# Loads FORMULA, checks its metadata, runs `install` in BUILDPATH (an
# unpacked release tarball) with the keg at PREFIX, then the `test do` block
# in the empty directory TESTPATH.  With HEAD-COMMIT (e.g. 1a96bee) it plays
# a `brew install --HEAD`: build.head? is true and the version is
# "HEAD-1a96bee", as Homebrew makes it.  The stub runs on Linux: OS.linux?
# is true, and shared_library names ELF libraries.  Anything the stub does not know raises
# NoMethodError, which is the point: the formula must stay within this DSL or
# the stub must learn the new method.  Like Homebrew, `system` and
# `shell_output` fail loudly.

require "pathname"
require "rubygems"

# The errors Homebrew reports as a failed build or a failed test.
class BuildError < StandardError; end
class TestFailure < StandardError; end

# Homebrew's OS: where the formula is being built.
module OS
  def self.mac? = RUBY_PLATFORM.include?("darwin")
  def self.linux? = RUBY_PLATFORM.include?("linux")
end

# Homebrew's Version, as far as formulae use it: a string that may be
# "HEAD-<commit>".
class Version < String
  def head? = start_with?("HEAD")
end

# Homebrew's ENV.cc: the C compiler to use.
def ENV.cc
  self["CC"] || "cc"
end

class Formula
  class << self
    attr_reader :dependencies, :head_spec, :test_block

    def desc(text = nil) = text ? (@desc = text) : @desc
    def homepage(text = nil) = text ? (@homepage = text) : @homepage
    def license(text = nil) = text ? (@license = text) : @license

    def sha256(text = nil) = text ? (@sha256 = text) : @sha256

    def url(text = nil, **_options) = text ? (@url = text) : @url

    def depends_on(spec)
      @dependencies ||= []
      @dependencies << spec
    end

    # `head do ... end` holds its own url and dependencies.
    def head(url = nil, **options, &block)
      @head_spec = HeadSpec.new
      @head_spec.url(url, **options) if url
      @head_spec.instance_eval(&block) if block
      @head_spec
    end

    def test(&block)
      @test_block = block
    end
  end

  # The `head` block's own small DSL.
  class HeadSpec
    attr_reader :dependencies

    def initialize
      @dependencies = []
    end

    def url(text = nil, **options)
      return @url unless text

      @url = text
      @options = options
    end

    def depends_on(spec)
      @dependencies << spec
    end
  end

  # `build.head?`: true when the stub plays a HEAD build.
  Build = Struct.new(:head?)

  attr_reader :prefix, :testpath

  def initialize(prefix, testpath, head_commit = nil)
    @prefix = Pathname.new(prefix)
    @testpath = Pathname.new(testpath)
    @head_commit = head_commit
  end

  def name = self.class.name.downcase
  def build = Build.new(!@head_commit.nil?)

  def version
    return Version.new("HEAD-#{@head_commit}") if @head_commit

    Version.new(self.class.url[/-(\d[\d.]*)\.tar\.gz\z/, 1] || raise("no version in the url"))
  end

  # Homebrew's shared_library: the file name of a shared library.
  def shared_library(name, version = nil)
    if OS.mac?
      version ? "#{name}.#{version}.dylib" : "#{name}.dylib"
    else
      version ? "#{name}.so.#{version}" : "#{name}.so"
    end
  end

  def bin = prefix/"bin"
  def include = prefix/"include"
  def lib = prefix/"lib"
  def share = prefix/"share"
  def man = share/"man"
  def man1 = man/"man1"
  def man3 = man/"man3"
  def pkgshare = share/name

  def std_configure_args
    ["--disable-debug", "--disable-dependency-tracking", "--prefix=#{prefix}", "--libdir=#{lib}"]
  end

  def system(cmd, *args)
    argv = [cmd, *args].map(&:to_s)
    puts "==> #{argv.join(" ")}"
    $stdout.flush
    raise BuildError, "failed: #{argv.join(" ")}" unless Kernel.system(*argv)
  end

  def shell_output(cmd, result = 0)
    puts "==> #{cmd}"
    out = IO.popen(["/bin/sh", "-c", cmd], &:read)
    status = $?.exitstatus
    raise TestFailure, "'#{cmd}' exited with #{status}, expected #{result}:\n#{out}" if status != result

    out
  end

  def assert_match(expected, actual)
    ok = expected.is_a?(Regexp) ? expected.match?(actual) : actual.include?(expected.to_s)
    raise TestFailure, "expected #{expected.inspect} to match:\n#{actual}" unless ok

    puts "    matched #{expected.inspect}"
  end

  def run_test
    raise TestFailure, "the formula has no test block" unless self.class.test_block

    instance_eval(&self.class.test_block)
  end
end

# ---- main ------------------------------------------------------------------------
if $PROGRAM_NAME == __FILE__
  abort "usage: #{$PROGRAM_NAME} FORMULA BUILDPATH PREFIX TESTPATH [HEAD-COMMIT]" unless [4, 5].include?(ARGV.length)
  formula_file, buildpath, prefix, testpath = ARGV[0, 4].map { |a| File.expand_path(a) }
  head_commit = ARGV[4]

  load formula_file
  class_name = File.basename(formula_file, ".rb").split(/[-_]/).map(&:capitalize).join
  klass = Object.const_get(class_name)
  raise "#{class_name} is not a Formula" unless klass < Formula

  problems = []
  %i[desc homepage url sha256 license].each do |field|
    problems << "no #{field}" if klass.public_send(field).to_s.empty?
  end
  problems << "sha256 is not 64 hex digits" unless klass.sha256.to_s.match?(/\A\h{64}\z/)
  problems << "no test block" unless klass.test_block
  head_deps = klass.head_spec ? klass.head_spec.dependencies : []
  %w[autoconf automake libtool].each do |tool|
    problems << "head does not depend on #{tool} => :build" unless head_deps.include?(tool => :build)
  end
  abort "#{formula_file}: #{problems.join(", ")}" unless problems.empty?
  puts "#{class_name}: #{klass.desc} (#{klass.license}), #{klass.url}"

  formula = klass.new(prefix, testpath, head_commit)
  puts "#{class_name}: playing a HEAD build, version #{formula.version}" if head_commit
  begin
    Dir.chdir(buildpath) { formula.install }
    # As after `brew link`: pkg-config finds the keg, programs its libraries.
    ENV["PKG_CONFIG_PATH"] = [formula.lib/"pkgconfig", ENV.fetch("PKG_CONFIG_PATH", nil)].compact.join(":")
    ENV["LD_LIBRARY_PATH"] = [formula.lib, ENV.fetch("LD_LIBRARY_PATH", nil)].compact.join(":")
    Dir.chdir(testpath) { formula.run_test }
  rescue BuildError, TestFailure => e
    abort "#{class_name}: #{e.class}: #{e.message}"
  end
  puts "#{class_name}: install and test passed"
end
