function cnn_fusion_golden (case_dir, out_dir, cnn_dir, es2_dir)
  % CNN_FUSION_GOLDEN  Run the Laplacian-pyramid step of VIFB's run_CNN.m on given weight maps.
  %
  %   cnn_fusion_golden(case_dir, out_dir, cnn_dir, es2_dir)
  %
  % case_dir  folder written by `python benchmarks/golden/cnn_fusion_compare.py write DIR`:
  %           cnn_cases.tsv (name, infrared PNG, visible PNG, weight file, height, width,
  %           nlev; nlev 0 = run_CNN.m's own depth rule) and the files it names. The weight
  %           file is the weight of the infrared image, float32 little-endian, column-major.
  % out_dir   where the outputs go (little-endian, column-major; see below).
  % cnn_dir   your checkout's methods/CNN folder of https://github.com/xingchenzhang/VIFB
  %           (run_CNN.m, band_fuse.m, pyramid/).
  % es2_dir   a folder with Rockinger's es2.m (symmetric extension), which band_fuse.m calls
  %           and VIFB does not ship.
  %
  % The network is not run: the part of run_CNN.m after it (from "%% LP" to the final
  % "img = uint8(imgf*255);") is copied at run time from your run_CNN.m into a function of
  % (img1, img2, focusMap, nlev_override) written to a temporary folder, with exact text
  % substitutions (an error is raised if one is not found exactly once): no tic/toc, no
  % figures, no disp, and an optional depth override. This file holds no reference code.
  % img1 = double(infrared) / 255, img2 = double(visible) / 255 as in run_CNN.m; focusMap is
  % the given weight map. Outputs per case:
  %
  %   <name>.f64          imgf (the fused image before uint8, double)
  %   <name>.u8           img = uint8(imgf * 255)
  %   <name>_L1_<l>.f64   Laplacian level l of the infrared image (pyrI1{l}), l = 1..nlev
  %   <name>_L2_<l>.f64   the same for the visible image (pyrI2{l})
  %   <name>_W_<l>.f64    Gaussian level l of the weight map (pyrW{l})
  %   <name>_F_<l>.f64    fused level l (pyr{l}, band_fuse's output)
  %
  % Output lines: name <TAB> key <TAB> value (%.17g); "#" lines carry versions.
  if (exist ('OCTAVE_VERSION', 'builtin'))
    pkg load image
    warning ('off', 'all');
    fprintf ('#\tinfo\toctave\t%s\n', OCTAVE_VERSION);
    p = pkg ('list', 'image');
    fprintf ('#\tinfo\timage\t%s\n', p{1}.version);
  else
    fprintf ('#\tinfo\tmatlab\t%s\n', version);
  end
  if (~exist (out_dir, 'dir'))
    mkdir (out_dir);
  end
  addpath (es2_dir);
  addpath (fullfile (cnn_dir, 'pyramid'));
  addpath (cnn_dir);
  check_resolves ('band_fuse', cnn_dir);
  check_resolves ('es2', es2_dir);
  for f = {'downsample', 'upsample', 'gaussian_pyramid', 'laplacian_pyramid', ...
           'reconstruct_laplacian_pyramid', 'pyramid_filter'}
    check_resolves (f{1}, fullfile (cnn_dir, 'pyramid'));
  end

  src = fileread (fullfile (cnn_dir, 'run_CNN.m'));
  i0 = strfind (src, '%% LP');
  tail = 'img = uint8(imgf*255);';
  i1 = strfind (src, tail);
  if (numel (i0) ~= 1 || numel (i1) ~= 1)
    error ('cnn_fusion_golden: run_CNN.m has not one "%%%% LP" and one "%s"', tail);
  end
  body = src(i0:i1 + numel (tail) - 1);
  body = subst (body, 'nlev = length(pyr);', ...
                ['nlev = length(pyr);' sprintf('\n') ...
                 'if (nlev_override > 0) nlev = nlev_override; pyr = cell(nlev, 1); end']);
  body = subst (body, 'toc;', '');
  body = subst (body, 'if visualization == 1', 'if false');
  body = subst (body, 'disp(''at least one figure has 3 channels'') ;', '');
  body = subst (body, 'disp(''both figures have only 1 channel'') ;', '');
  fn = ['function [img, imgf, pyr, pyrI1, pyrI2, pyrW, nlev] = ' ...
        'cnn_golden_lp(img1, img2, focusMap, nlev_override)' sprintf('\n') ...
        '[hei, wid] = size(img1);' sprintf('\n') body sprintf('\nend\n')];
  tmp = tempname ();
  mkdir (tmp);
  write_text (fullfile (tmp, 'cnn_golden_lp.m'), fn);
  addpath (tmp);

  fid = fopen (fullfile (case_dir, 'cnn_cases.tsv'));
  c = textscan (fid, '%s %s %s %s %d %d %d', 'Delimiter', '\t', 'CommentStyle', '#');
  fclose (fid);
  [names, ir_files, vis_files, w_files, hs, ws, nlevs] = c{:};
  for k = 1:numel (names)
    name = names{k};
    img1 = double (imread (fullfile (case_dir, ir_files{k}))) / 255;
    img2 = double (imread (fullfile (case_dir, vis_files{k}))) / 255;
    fid = fopen (fullfile (case_dir, w_files{k}), 'r', 'ieee-le');
    w = fread (fid, [double(hs(k)), double(ws(k))], 'float32=>double');
    fclose (fid);
    if (~isequal (size (w), size (img1)) || ~isequal (size (img2), size (img1)))
      error ('cnn_fusion_golden: %s: sizes differ', name);
    end
    [img, imgf, pyr, pyrI1, pyrI2, pyrW, nlev] = cnn_golden_lp (img1, img2, w, double (nlevs(k)));
    fprintf ('%s\t%s\t%.17g\n', name, 'nlev', nlev);
    write_raw (fullfile (out_dir, [name '.f64']), imgf, 'double');
    write_raw (fullfile (out_dir, [name '.u8']), img, 'uint8');
    print_stats (name, 'f', imgf);
    print_stats (name, 'u8', double (img));
    for l = 1:nlev
      write_raw (fullfile (out_dir, sprintf ('%s_L1_%d.f64', name, l)), pyrI1{l}, 'double');
      write_raw (fullfile (out_dir, sprintf ('%s_L2_%d.f64', name, l)), pyrI2{l}, 'double');
      write_raw (fullfile (out_dir, sprintf ('%s_W_%d.f64', name, l)), pyrW{l}, 'double');
      write_raw (fullfile (out_dir, sprintf ('%s_F_%d.f64', name, l)), pyr{l}, 'double');
      fprintf ('%s\tsize_%d\t%d %d\n', name, l, size (pyr{l}, 1), size (pyr{l}, 2));
    end
  end
  rmpath (tmp);
  delete (fullfile (tmp, 'cnn_golden_lp.m'));
  rmdir (tmp);
end

function check_resolves (fname, folder)
  % The reference's function must come from the given folder (Octave's signal package, for
  % one, has its own downsample/upsample).
  got = which (fname);
  if (isempty (got) || ~strncmp (got, folder, numel (folder)))
    error ('cnn_fusion_golden: %s resolves to "%s", not to %s', fname, got, folder);
  end
end

function out = subst (text, old, new)
  % Exact text substitution that must happen exactly once.
  n = numel (strfind (text, old));
  if (n ~= 1)
    error ('cnn_fusion_golden: expected one "%s" in run_CNN.m, found %d', old, n);
  end
  out = strrep (text, old, new);
end

function write_text (path, text)
  fid = fopen (path, 'w');
  fwrite (fid, text, 'char');
  fclose (fid);
end

function write_raw (path, x, cls)
  fid = fopen (path, 'w', 'ieee-le');
  fwrite (fid, x, cls);
  fclose (fid);
end

function print_stats (name, run, F)
  fprintf ('%s\t%s:%s\t%.17g\n', name, run, 'sum', sum (F(:)));
  fprintf ('%s\t%s:%s\t%.17g\n', name, run, 'sumsq', sum (F(:) .^ 2));
  fprintf ('%s\t%s:%s\t%.17g\n', name, run, 'min', min (F(:)));
  fprintf ('%s\t%s:%s\t%.17g\n', name, run, 'max', max (F(:)));
end
