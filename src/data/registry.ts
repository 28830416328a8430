/**
 * The datasets netgrow knows: shapes, class names, the files that make each one and their
 * pinned sizes and sha256 digests. Digests of the canonical downloads are those TensorFlow
 * Datasets pins (tensorflow_datasets/url_checksums); the Fashion-MNIST `.gz` files Debian's
 * `dataset-fashion-mnist` installs are recompressed (no file name in the gzip header, 24 bytes
 * shorter), so they are pinned separately, and for Fashion-MNIST the decompressed content is
 * pinned too, which any recompression keeps.
 */
import { DatasetError } from './errors';
import { parseSyntheticName, SyntheticParams } from './synthetic-name';

export type Shape3 = [number, number, number];

/** A file as downloaded or packaged: exact size and sha256. */
export interface PinnedFile {
  size: number;
  sha256: string;
  /** Where it comes from: the download URL, or a package. */
  origin: string;
}

/** One IDX file, found as `<name>.gz` or `<name>`. */
export interface IdxFile {
  name: string;
  /** Bytes once decompressed: header plus data. */
  rawSize: number;
  /** sha256 of the decompressed bytes, where known. */
  rawSha256?: string;
  /** Known gzip'd copies; the first is the canonical download. */
  gz: PinnedFile[];
}

export interface IdxSource {
  format: 'idx';
  trainImages: IdxFile;
  trainLabels: IdxFile;
  testImages: IdxFile;
  testLabels: IdxFile;
}

export interface CifarSource {
  format: 'cifar';
  /** Label bytes before each image: 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine; netgrow uses fine). */
  labelBytes: 1 | 2;
  archive: { name: string } & PinnedFile;
  /** The folder inside the archive, also accepted as a subfolder of a place. */
  folder: string;
  train: Array<{ name: string; records: number }>;
  test: Array<{ name: string; records: number }>;
}

export interface MatSource {
  format: 'mat';
  train: { name: string } & PinnedFile;
  test: { name: string } & PinnedFile;
}

export interface SyntheticSource {
  format: 'synthetic';
  params: SyntheticParams;
}

export type DataSource = IdxSource | CifarSource | MatSource | SyntheticSource;

export interface DatasetEntry {
  name: string;
  inputShape: Shape3;
  classNames: string[];
  /** Whether a horizontal flip keeps the label (not for digits: a mirrored 2 is no digit). */
  flip: boolean;
  /** The one command that installs it. */
  fix: string;
  /** Folders where an OS package installs it. */
  systemDirs: string[];
  source: DataSource;
}

const gz = (size: number, sha256: string, origin: string): PinnedFile => ({ size, sha256, origin });

const MNIST_URL = 'https://storage.googleapis.com/cvdf-datasets/mnist/';
const FASHION_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
const DEBIAN_FASHION = 'debian:dataset-fashion-mnist';

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

const MNIST: DatasetEntry = {
  name: 'mnist',
  inputShape: [28, 28, 1],
  classNames: DIGITS,
  flip: false,
  fix: 'netgrow datasets --download mnist',
  systemDirs: ['/usr/share/datasets/mnist'],
  source: {
    format: 'idx',
    trainImages: {
      name: 'train-images-idx3-ubyte',
      rawSize: 47040016,
      gz: [
        gz(
          9912422,
          '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
          `${MNIST_URL}train-images-idx3-ubyte.gz`,
        ),
      ],
    },
    trainLabels: {
      name: 'train-labels-idx1-ubyte',
      rawSize: 60008,
      gz: [
        gz(
          28881,
          '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
          `${MNIST_URL}train-labels-idx1-ubyte.gz`,
        ),
      ],
    },
    testImages: {
      name: 't10k-images-idx3-ubyte',
      rawSize: 7840016,
      gz: [
        gz(
          1648877,
          '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
          `${MNIST_URL}t10k-images-idx3-ubyte.gz`,
        ),
      ],
    },
    testLabels: {
      name: 't10k-labels-idx1-ubyte',
      rawSize: 10008,
      gz: [
        gz(
          4542,
          'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
          `${MNIST_URL}t10k-labels-idx1-ubyte.gz`,
        ),
      ],
    },
  },
};

const FASHION_MNIST: DatasetEntry = {
  name: 'fashion-mnist',
  inputShape: [28, 28, 1],
  classNames: [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ],
  flip: true,
  fix: 'apt-get install dataset-fashion-mnist',
  systemDirs: ['/usr/share/datasets/fashion-mnist'],
  source: {
    format: 'idx',
    trainImages: {
      name: 'train-images-idx3-ubyte',
      rawSize: 47040016,
      rawSha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
      gz: [
        gz(
          26421880,
          '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
          `${FASHION_URL}train-images-idx3-ubyte.gz`,
        ),
        gz(26421856, 'b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7', DEBIAN_FASHION),
      ],
    },
    trainLabels: {
      name: 'train-labels-idx1-ubyte',
      rawSize: 60008,
      rawSha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
      gz: [
        gz(
          29515,
          'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
          `${FASHION_URL}train-labels-idx1-ubyte.gz`,
        ),
        gz(29491, '0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056', DEBIAN_FASHION),
      ],
    },
    testImages: {
      name: 't10k-images-idx3-ubyte',
      rawSize: 7840016,
      rawSha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
      gz: [
        gz(
          4422102,
          '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
          `${FASHION_URL}t10k-images-idx3-ubyte.gz`,
        ),
        gz(4422079, 'cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa', DEBIAN_FASHION),
      ],
    },
    testLabels: {
      name: 't10k-labels-idx1-ubyte',
      rawSize: 10008,
      rawSha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
      gz: [
        gz(
          5148,
          '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
          `${FASHION_URL}t10k-labels-idx1-ubyte.gz`,
        ),
        gz(5125, '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05', DEBIAN_FASHION),
      ],
    },
  },
};

const CIFAR10: DatasetEntry = {
  name: 'cifar10',
  inputShape: [32, 32, 3],
  classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
  flip: true,
  fix: 'netgrow datasets --download cifar10',
  systemDirs: ['/usr/share/datasets/cifar10', '/usr/share/datasets/cifar-10'],
  source: {
    format: 'cifar',
    labelBytes: 1,
    archive: {
      name: 'cifar-10-binary.tar.gz',
      size: 170052171,
      sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
      origin: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    },
    folder: 'cifar-10-batches-bin',
    train: [1, 2, 3, 4, 5].map((i) => ({ name: `data_batch_${i}.bin`, records: 10000 })),
    test: [{ name: 'test_batch.bin', records: 10000 }],
  },
};

// fine_label_names.txt of the CIFAR-100 binary archive, in label order.
const CIFAR100_CLASSES = (
  'apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly ' +
  'camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup ' +
  'dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower ' +
  'leopard lion lizard lobster man maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid ' +
  'otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine possum rabbit raccoon ray road ' +
  'rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar sunflower ' +
  'sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale ' +
  'willow_tree wolf woman worm'
).split(' ');

const CIFAR100: DatasetEntry = {
  name: 'cifar100',
  inputShape: [32, 32, 3],
  classNames: CIFAR100_CLASSES,
  flip: true,
  fix: 'netgrow datasets --download cifar100',
  systemDirs: ['/usr/share/datasets/cifar100', '/usr/share/datasets/cifar-100'],
  source: {
    format: 'cifar',
    labelBytes: 2,
    archive: {
      name: 'cifar-100-binary.tar.gz',
      size: 168513733,
      sha256: '58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec',
      origin: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
    },
    folder: 'cifar-100-binary',
    train: [{ name: 'train.bin', records: 50000 }],
    test: [{ name: 'test.bin', records: 10000 }],
  },
};

// The cropped-digits form (format 2): MATLAB v5 files, X 32x32x3xN uint8, y Nx1 with 10 for '0'.
const SVHN: DatasetEntry = {
  name: 'svhn',
  inputShape: [32, 32, 3],
  classNames: DIGITS,
  flip: false,
  fix: 'netgrow datasets --download svhn',
  systemDirs: ['/usr/share/datasets/svhn'],
  source: {
    format: 'mat',
    train: {
      name: 'train_32x32.mat',
      size: 182040794,
      sha256: '435e94d69a87fde4fd4d7f3dd208dfc32cb6ae8af2240d066de1df7508d083b8',
      origin: 'http://ufldl.stanford.edu/housenumbers/train_32x32.mat',
    },
    test: {
      name: 'test_32x32.mat',
      size: 64275384,
      sha256: 'cdce80dfb2a2c4c6160906d0bd7c68ec5a99d7ca4831afa54f09182025b6a75b',
      origin: 'http://ufldl.stanford.edu/housenumbers/test_32x32.mat',
    },
  },
};

const FILE_DATASETS = [MNIST, FASHION_MNIST, CIFAR10, CIFAR100, SVHN];

const ALIASES: Record<string, string> = {
  fmnist: 'fashion-mnist',
  fashion_mnist: 'fashion-mnist',
  fashionmnist: 'fashion-mnist',
  'cifar-10': 'cifar10',
  'cifar-100': 'cifar100',
};

/** Every registry name, the synthetic family last (as `synthetic`). */
export const DATASET_NAMES = [...FILE_DATASETS.map((d) => d.name), 'synthetic'];

/**
 * The entry for a dataset name: a registry name or alias, or `synthetic[:HxWxC][:N][:Kc]`
 * (see synthetic-name.ts). Unknown names are a `DatasetError` listing the known ones.
 */
export function datasetEntry(name: string): DatasetEntry {
  const key = name.trim().toLowerCase();
  if (key === 'synthetic' || key.startsWith('synthetic:')) return syntheticEntry(parseSyntheticName(key));
  const canonical = ALIASES[key] ?? key;
  const entry = FILE_DATASETS.find((d) => d.name === canonical);
  if (!entry) {
    throw new DatasetError(
      'unknown',
      `unknown dataset '${name}': known datasets are ${DATASET_NAMES.join(', ')} (synthetic takes :HxWxC, :N, :Kc, e.g. synthetic:32x32x3:2000:5c)`,
    );
  }
  return entry;
}

function syntheticEntry(params: SyntheticParams): DatasetEntry {
  return {
    name: params.name,
    inputShape: params.shape,
    classNames: Array.from({ length: params.classes }, (_, k) => `pattern${k}`),
    // Class patterns include oriented gratings; a mirror image could be another class.
    flip: false,
    fix: '',
    systemDirs: [],
    source: { format: 'synthetic', params },
  };
}
