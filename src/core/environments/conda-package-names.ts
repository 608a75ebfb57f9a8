/**
 * What a conda package name becomes on PyPI. Conda also ships compilers, C libraries, CUDA and
 * the interpreter itself; pip cannot install those into a virtualenv, so they are skipped with
 * the reason, which lands in the build log.
 */
export type CondaPackageFate =
  | { action: 'keep'; pipName: string }
  | { action: 'rename'; pipName: string; why: string }
  | { action: 'skip'; why: string };

const renamed: Record<string, { pipName: string; why: string }> = {
  pytorch: { pipName: 'torch', why: 'PyTorch is published on PyPI as torch' },
  'pytorch-cpu': { pipName: 'torch', why: 'PyTorch is published on PyPI as torch' },
  'pytorch-gpu': { pipName: 'torch', why: 'PyTorch is published on PyPI as torch (the PyPI wheel includes CUDA on Linux)' },
  'py-xgboost': { pipName: 'xgboost', why: 'conda-forge names the Python binding py-xgboost; PyPI calls it xgboost' },
  'py-xgboost-cpu': { pipName: 'xgboost', why: 'conda-forge names the Python binding py-xgboost-cpu; PyPI calls it xgboost' },
  'py-xgboost-gpu': { pipName: 'xgboost', why: 'conda-forge names the Python binding py-xgboost-gpu; PyPI calls it xgboost' },
  'tensorflow-gpu': { pipName: 'tensorflow', why: 'tensorflow-gpu is retired on PyPI; tensorflow includes GPU support' },
  'matplotlib-base': { pipName: 'matplotlib', why: 'matplotlib-base is a conda split of matplotlib' },
  'python-graphviz': { pipName: 'graphviz', why: 'the Python binding of graphviz is graphviz on PyPI' },
  'msgpack-python': { pipName: 'msgpack', why: 'msgpack-python is msgpack on PyPI' },
  pytables: { pipName: 'tables', why: 'PyTables is tables on PyPI' },
  opencv: { pipName: 'opencv-python', why: 'OpenCV for Python is opencv-python on PyPI' },
  'py-opencv': { pipName: 'opencv-python', why: 'OpenCV for Python is opencv-python on PyPI' },
  ruamel_yaml: { pipName: 'ruamel.yaml', why: 'ruamel_yaml is ruamel.yaml on PyPI' },
  'lightning-pytorch': { pipName: 'pytorch-lightning', why: 'conda-forge lightning-pytorch is pytorch-lightning on PyPI' },
};

const interpreterOrInstaller = 'the venv provides its own';
const systemLibrary = 'a system or C library that conda ships and pip does not (install it on the machine if the job needs it)';
const cuda = 'CUDA comes with the PyPI wheels (torch, tensorflow) or the machine driver, not as a separate pip package';

const skipped: Record<string, string> = {
  pip: `pip: ${interpreterOrInstaller}`,
  setuptools: `setuptools: ${interpreterOrInstaller}`,
  wheel: `wheel: ${interpreterOrInstaller}`,
  'pytorch-cuda': cuda,
  'pytorch-mutex': 'a conda build selector with no PyPI counterpart',
  cpuonly: 'a conda build selector with no PyPI counterpart',
  cudatoolkit: cuda,
  'cuda-toolkit': cuda,
  'cuda-version': cuda,
  'cuda-nvcc': cuda,
  'cuda-runtime': cuda,
  cudnn: cuda,
  nccl: cuda,
  magma: cuda,
  'magma-cuda': cuda,
  mkl: 'Intel MKL is a C library; numpy/scipy wheels from PyPI bundle their own BLAS',
  'mkl-service': 'an MKL control module for conda builds; PyPI wheels bundle OpenBLAS',
  mkl_fft: 'an MKL build of numpy.fft for conda only',
  mkl_random: 'an MKL build of numpy.random for conda only',
  'intel-openmp': systemLibrary,
  blas: 'a conda BLAS selector; numpy/scipy wheels from PyPI bundle their own BLAS',
  libblas: systemLibrary,
  libcblas: systemLibrary,
  liblapack: systemLibrary,
  openblas: 'numpy/scipy wheels from PyPI bundle their own OpenBLAS',
  'libgcc-ng': systemLibrary,
  libgcc: systemLibrary,
  'libstdcxx-ng': systemLibrary,
  libgomp: systemLibrary,
  _libgcc_mutex: systemLibrary,
  _openmp_mutex: systemLibrary,
  'ld_impl_linux-64': systemLibrary,
  libffi: systemLibrary,
  libuuid: systemLibrary,
  libxml2: systemLibrary,
  libpng: systemLibrary,
  'libjpeg-turbo': systemLibrary,
  jpeg: systemLibrary,
  freetype: systemLibrary,
  hdf5: systemLibrary,
  icu: systemLibrary,
  expat: systemLibrary,
  openssl: systemLibrary,
  'ca-certificates': systemLibrary,
  zlib: systemLibrary,
  xz: systemLibrary,
  bzip2: systemLibrary,
  sqlite: systemLibrary,
  tk: systemLibrary,
  readline: systemLibrary,
  ncurses: systemLibrary,
  tzdata: 'the conda tzdata is the system time-zone database, not the PyPI package',
  graphviz: 'the graphviz program is a system tool (the Python binding is python-graphviz)',
  ffmpeg: systemLibrary,
  gcc: 'a compiler, not a Python package',
  gxx: 'a compiler, not a Python package',
  gxx_linux_64: 'a compiler, not a Python package',
  gcc_linux_64: 'a compiler, not a Python package',
  make: 'a build tool, not a Python package',
  git: 'a system tool, not a Python package',
  nodejs: 'a system tool, not a Python package',
  pandoc: 'a system tool, not a Python package',
  conda: 'conda itself is not used to build local environments',
  anaconda: 'the anaconda meta-package has no PyPI counterpart',
  '_py-xgboost-mutex': 'a conda build selector with no PyPI counterpart',
  libxgboost: 'the xgboost wheel from PyPI bundles its library',
  liblightgbm: 'the lightgbm wheel from PyPI bundles its library',
};

/** What happens to the conda package `name` (lower-case, channel prefix already removed) on PyPI. */
export function condaPackageFate(name: string): CondaPackageFate {
  const key = name.toLowerCase();
  const skip = skipped[key];
  if (skip !== undefined) return { action: 'skip', why: skip };
  // R packages (r-base, r-essentials, r-ggplot2...) have no PyPI counterpart.
  if (key.startsWith('r-')) return { action: 'skip', why: 'an R package; pip installs Python packages only' };
  const rename = renamed[key];
  if (rename !== undefined) return { action: 'rename', ...rename };
  return { action: 'keep', pipName: key };
}
