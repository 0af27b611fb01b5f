function he_gf_golden (case_dir, out_dir, he_dir, he_uint16_dir)
  % HE_GF_GOLDEN  Run He et al.'s guided-filter MATLAB code on the cases of a manifest.
  %
  %   he_gf_golden(case_dir, out_dir, he_dir, he_uint16_dir)
  %
  % case_dir       folder written by `python benchmarks/golden/parity_compare.py write DIR`:
  %                gf_cases.tsv (name, function, target PNG, guide PNG, r, eps, s) and the PNGs.
  % out_dir        where <name>.f64 (the output, float64 little-endian, column-major) goes.
  % he_dir         your copy of He's guided-filter-code-v1: guidedfilter.m, guidedfilter_color.m,
  %                fastguidedfilter.m, fastguidedfilter_color.m, boxfilter.m.
  % he_uint16_dir  optional: a folder holding only the fastguidedfilter.m variant with
  %                r_sub = uint16(r / s) (rows of function "fgf_u16"; skipped when absent).
  %
  % Images are read with imread (uint8) and scaled by double(x) / 255, as He's demos do.
  % Output, one line per case: name <TAB> key <TAB> value (%.17g) with key = rows, cols, sum,
  % sumsq, min, max. This file holds no reference code, only calls.
  if (exist ('OCTAVE_VERSION', 'builtin'))
    pkg load image
    warning ('off', 'all');
    fprintf ('#\tinfo\toctave\t%s\n', OCTAVE_VERSION);
    p = pkg ('list', 'image');
    fprintf ('#\tinfo\timage\t%s\n', p{1}.version);
  else
    fprintf ('#\tinfo\tmatlab\t%s\n', version);
  end
  if (nargin < 4)
    he_uint16_dir = '';
  end
  if (~exist (out_dir, 'dir'))
    mkdir (out_dir);
  end
  addpath (he_dir);
  fid = fopen (fullfile (case_dir, 'gf_cases.tsv'));
  c = textscan (fid, '%s %s %s %s %f %f %f', 'Delimiter', '\t', 'CommentStyle', '#');
  fclose (fid);
  [names, funcs, targets, guides, radii, epss, subs] = c{:};
  for k = 1:numel (names)
    p = double (imread (fullfile (case_dir, targets{k}))) / 255;
    I = double (imread (fullfile (case_dir, guides{k}))) / 255;
    r = radii(k);
    e = epss(k);
    s = subs(k);
    switch funcs{k}
      case 'gf'
        q = guidedfilter (I, p, r, e);
      case 'gf_color'
        q = guidedfilter_color (I, p, r, e);
      case 'fgf'
        q = fastguidedfilter (I, p, r, e, s);
      case 'fgf_color'
        q = fastguidedfilter_color (I, p, r, e, s);
      case 'fgf_u16'
        if (isempty (he_uint16_dir))
          continue
        end
        q = call_first (he_uint16_dir, 'fastguidedfilter', I, p, r, e, s);
      otherwise
        error ('he_gf_golden: unknown function %s', funcs{k});
    end
    write_f64 (fullfile (out_dir, [names{k} '.f64']), q);
    print_stats (names{k}, q);
  end

  % imresize as fastguidedfilter.m calls it: the rows picked by imresize(x, 1/s, 'nearest')
  % (1-based) and the bilinear tap matrix imresize(eye(h), [n h], 'bilinear') (n x h).
  rc = fullfile (case_dir, 'resize_cases.tsv');
  if (exist (rc, 'file'))
    fid = fopen (rc);
    c = textscan (fid, '%s %f %f', 'Delimiter', '\t', 'CommentStyle', '#');
    fclose (fid);
    [kinds, ns, ps] = c{:};
    for k = 1:numel (kinds)
      n = ns(k);
      switch kinds{k}
        case 'nearest'
          s = ps(k);
          x = imresize ((1:n)', 1/s, 'nearest');   % a column: only the rows are resized
          name = sprintf ('nearest_%d_%d', n, s);
        case 'bilinear'
          h = ps(k);
          x = imresize (eye (h), [n h], 'bilinear');
          name = sprintf ('bilinear_%d_%d', h, n);
        otherwise
          error ('he_gf_golden: unknown resize kind %s', kinds{k});
      end
      write_f64 (fullfile (out_dir, [name '.f64']), x);
      print_stats (name, x);
    end
  end
end

function v = call_first (dir_first, fname, varargin)
  % Call fname from dir_first (put ahead on the path, then removed again).
  addpath (dir_first);
  try
    w = which (fname);
    if (~strncmp (w, dir_first, numel (dir_first)))
      error ('he_gf_golden: %s resolves to %s, not to %s', fname, w, dir_first);
    end
    v = feval (fname, varargin{:});
  catch err
    rmpath (dir_first);
    rethrow (err);
  end
  rmpath (dir_first);
end

function write_f64 (path, x)
  fid = fopen (path, 'w', 'ieee-le');
  fwrite (fid, double (x), 'double');
  fclose (fid);
end

function print_stats (name, q)
  fprintf ('%s\t%s\t%.17g\n', name, 'rows', size (q, 1));
  fprintf ('%s\t%s\t%.17g\n', name, 'cols', size (q, 2));
  fprintf ('%s\t%s\t%.17g\n', name, 'sum', sum (q(:)));
  fprintf ('%s\t%s\t%.17g\n', name, 'sumsq', sum (q(:) .^ 2));
  fprintf ('%s\t%s\t%.17g\n', name, 'min', min (q(:)));
  fprintf ('%s\t%s\t%.17g\n', name, 'max', max (q(:)));
end
