function edge_aware_golden (case_dir, out_dir, he_dir, gdgif_dir, wgif_dir, luxiush_dir)
  % EDGE_AWARE_GOLDEN  Run public WGIF / GDGIF MATLAB codes on the cases of a manifest.
  %
  %   edge_aware_golden(case_dir, out_dir, he_dir, gdgif_dir, wgif_dir, luxiush_dir)
  %
  % case_dir     folder written by `python benchmarks/golden/filters_parity_compare.py write
  %              DIR`: ea_cases.tsv (name, function, target PNG, guide PNG, r, lambda) and the
  %              PNGs.
  % out_dir      where <name>.f64 (the output, float64 little-endian, column-major) goes.
  % he_dir       He's boxfilter.m (guided-filter-code-v1), which the codes below call.
  % gdgif_dir    Kou's gguidedfilter.m (GDGIF, TIP 2015; the code from koufei.weebly.com).
  % wgif_dir     Kou's weightedguidedfilter.m (his WGIF implementation).
  % luxiush_dir  optional: Luxiush/Weighted-Guided-Image-Filter src/ folder
  %              (WeightedGuidedImageFilter.m, EdgeAwareWeighting.m); rows "wgif_lux" are
  %              skipped when absent.
  %
  % Images are read with imread (uint8) and scaled by double(x) / 255. Calls:
  %   gdgif     q = gguidedfilter(guide, target, r, lambda)
  %   wgif      q = weightedguidedfilter(guide, target, r, lambda)
  %   wgif_lux  q = WeightedGuidedImageFilter(target, guide, r, lambda)
  % Output, one line per case: name <TAB> key <TAB> value (%.17g) with key = rows, cols,
  % sum, sumsq, min, max of the real part and imag_max = max |imag(q)| (GDGIF's square root
  % of a variance product that rounds below zero is complex). This file holds only calls.
  if (exist ('OCTAVE_VERSION', 'builtin'))
    pkg load image
    warning ('off', 'all');
    fprintf ('#\tinfo\toctave\t%s\n', OCTAVE_VERSION);
    p = pkg ('list', 'image');
    fprintf ('#\tinfo\timage\t%s\n', p{1}.version);
    % imgaussfilt (EdgeAwareWeighting.m) is missing in the image package
    addpath (fullfile (fileparts (mfilename ('fullpath')), 'octave_compat'));
  else
    fprintf ('#\tinfo\tmatlab\t%s\n', version);
  end
  if (nargin < 6)
    luxiush_dir = '';
  end
  if (~exist (out_dir, 'dir'))
    mkdir (out_dir);
  end
  addpath (he_dir);
  addpath (gdgif_dir);
  addpath (wgif_dir);
  if (~isempty (luxiush_dir))
    addpath (luxiush_dir);
  end
  fid = fopen (fullfile (case_dir, 'ea_cases.tsv'));
  c = textscan (fid, '%s %s %s %s %f %f', 'Delimiter', '\t', 'CommentStyle', '#');
  fclose (fid);
  [names, funcs, targets, guides, radii, lams] = c{:};
  for k = 1:numel (names)
    p = double (imread (fullfile (case_dir, targets{k}))) / 255;
    I = double (imread (fullfile (case_dir, guides{k}))) / 255;
    switch funcs{k}
      case 'gdgif'
        q = gguidedfilter (I, p, radii(k), lams(k));
      case 'wgif'
        q = weightedguidedfilter (I, p, radii(k), lams(k));
      case 'wgif_lux'
        if (isempty (luxiush_dir))
          continue
        end
        q = WeightedGuidedImageFilter (p, I, radii(k), lams(k));
      otherwise
        error ('edge_aware_golden: unknown function %s', funcs{k});
    end
    fid = fopen (fullfile (out_dir, [names{k} '.f64']), 'w', 'ieee-le');
    fwrite (fid, real (q), 'double');
    fclose (fid);
    qr = real (q);
    fprintf ('%s\t%s\t%.17g\n', names{k}, 'rows', size (q, 1));
    fprintf ('%s\t%s\t%.17g\n', names{k}, 'cols', size (q, 2));
    fprintf ('%s\t%s\t%.17g\n', names{k}, 'sum', sum (qr(:)));
    fprintf ('%s\t%s\t%.17g\n', names{k}, 'sumsq', sum (qr(:) .^ 2));
    fprintf ('%s\t%s\t%.17g\n', names{k}, 'min', min (qr(:)));
    fprintf ('%s\t%s\t%.17g\n', names{k}, 'max', max (qr(:)));
    fprintf ('%s\t%s\t%.17g\n', names{k}, 'imag_max', max (abs (imag (q(:)))));
  end
end
