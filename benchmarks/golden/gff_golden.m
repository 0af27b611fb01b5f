function gff_golden (case_dir, out_dir, gff_dir, he_dir)
  % GFF_GOLDEN  Run VIFB's GFF.m (Li, Kang & Hu 2013) on the pairs of a manifest.
  %
  %   gff_golden(case_dir, out_dir, gff_dir, he_dir)
  %
  % case_dir  folder written by `python benchmarks/golden/parity_compare.py write DIR`:
  %           gff_cases.tsv (name, visible PNG, infrared PNG) and the PNGs.
  % out_dir   where the outputs go (little-endian, column-major; see below).
  % gff_dir   your checkout's methods/GFF folder of https://github.com/xingchenzhang/VIFB
  %           (GFF.m).
  % he_dir    He's guided-filter-code-v1 (guidedfilter.m, boxfilter.m), which GFF.m calls
  %           and VIFB does not ship.
  %
  % The sources are stacked as VIFB's run_GFF.m / load_images.m stack them: visible first,
  % infrared second, uint8; gray pairs as I(:, :, n), colour pairs as I(:, :, :, n) (a gray
  % infrared image is repeated on three channels, as VIFB stores it). Three runs per case:
  %
  %   <name>.u8         GFF(I) itself: uint8 output.
  %   <name>_raw.f64    the same code without the final uint8(F * 255): F in [0, 1].
  %   <name>_nq.f64     also without the uint8 quantisation of the weight maps (they are
  %                     clipped to [0, 1] instead): the variant jointfilter implements.
  %   <name>_S.f64, _P.f64, _WB.f64, _WD.f64 (from the raw run): normalised saliency, binary
  %                     maps and quantised weights (H x W x N); _WB_nq.f64, _WD_nq.f64 from the
  %                     nq run.
  %
  % The two variants are made at run time from your GFF.m by exact text substitutions (an
  % error is raised if a substituted line is not found), written to a temporary folder under
  % new function names; this file holds no reference code. Output lines:
  % name <TAB> key <TAB> value (%.17g).
  if (exist ('OCTAVE_VERSION', 'builtin'))
    pkg load image
    warning ('off', 'all');
    fprintf ('#\tinfo\toctave\t%s\n', OCTAVE_VERSION);
    p = pkg ('list', 'image');
    fprintf ('#\tinfo\timage\t%s\n', p{1}.version);
    % Octave's own rgb2gray differs from MATLAB's (see octave_compat/rgb2gray.m)
    addpath (fullfile (fileparts (mfilename ('fullpath')), 'octave_compat'));
  else
    fprintf ('#\tinfo\tmatlab\t%s\n', version);
  end
  if (~exist (out_dir, 'dir'))
    mkdir (out_dir);
  end
  addpath (he_dir);
  addpath (gff_dir);
  tmp = tempname ();
  mkdir (tmp);
  src = fileread (fullfile (gff_dir, 'GFF.m'));
  stash = ['\nglobal GFF_GOLDEN_STASH\nGFF_GOLDEN_STASH = struct (''S'', S, ''P'', P, ' ...
           '''WB'', W_B, ''WD'', W_D);\n'];
  raw = subst (src, 'function [F] = GFF(I,r1,eps1,r2,eps2)', ...
               'function [F] = GFF_golden_raw(I,r1,eps1,r2,eps2)');
  raw = subst (raw, 'F = uint8(F*255);', '');
  raw = subst (raw, 'W_D = GuidOptimize(G,P,r2,eps2);', ...
               ['W_D = GuidOptimize(G,P,r2,eps2);' sprintf(stash)]);
  nq = subst (raw, 'function [F] = GFF_golden_raw(', 'function [F] = GFF_golden_nq(');
  nq = subst (nq, 'W = uint8(W.*255);', 'W = min(max(W, 0), 1).*255;');
  write_text (fullfile (tmp, 'GFF_golden_raw.m'), raw);
  write_text (fullfile (tmp, 'GFF_golden_nq.m'), nq);
  addpath (tmp);
  global GFF_GOLDEN_STASH

  fid = fopen (fullfile (case_dir, 'gff_cases.tsv'));
  c = textscan (fid, '%s %s %s', 'Delimiter', '\t', 'CommentStyle', '#');
  fclose (fid);
  [names, vis_files, ir_files] = c{:};
  for k = 1:numel (names)
    vis = imread (fullfile (case_dir, vis_files{k}));
    ir = imread (fullfile (case_dir, ir_files{k}));
    if (size (vis, 3) == 3 || size (ir, 3) == 3)
      if (size (ir, 3) == 1)
        ir = repmat (ir, [1 1 3]);
      end
      I = cat (4, vis, ir);
    else
      I = cat (3, vis, ir);
    end
    name = names{k};
    F = GFF (I);
    write_raw (fullfile (out_dir, [name '.u8']), F, 'uint8');
    print_stats (name, 'gff', double (F));

    F = GFF_golden_raw (I);
    st = GFF_GOLDEN_STASH;
    write_raw (fullfile (out_dir, [name '_raw.f64']), F, 'double');
    print_stats (name, 'raw', F);
    write_raw (fullfile (out_dir, [name '_S.f64']), st.S, 'double');
    write_raw (fullfile (out_dir, [name '_P.f64']), st.P, 'double');
    write_raw (fullfile (out_dir, [name '_WB.f64']), st.WB, 'double');
    write_raw (fullfile (out_dir, [name '_WD.f64']), st.WD, 'double');
    s1 = st.S(:, :, 1);
    s2 = st.S(:, :, 2);
    fprintf ('%s\t%s\t%.17g\n', name, 'saliency_ties', sum (s1(:) == s2(:)));

    F = GFF_golden_nq (I);
    st = GFF_GOLDEN_STASH;
    write_raw (fullfile (out_dir, [name '_nq.f64']), F, 'double');
    print_stats (name, 'nq', F);
    write_raw (fullfile (out_dir, [name '_WB_nq.f64']), st.WB, 'double');
    write_raw (fullfile (out_dir, [name '_WD_nq.f64']), st.WD, 'double');
  end
  rmpath (tmp);
  delete (fullfile (tmp, 'GFF_golden_raw.m'));
  delete (fullfile (tmp, 'GFF_golden_nq.m'));
  rmdir (tmp);
end

function out = subst (text, old, new)
  % Exact text substitution that must happen exactly once.
  n = numel (strfind (text, old));
  if (n ~= 1)
    error ('gff_golden: expected one "%s" in GFF.m, found %d', old, n);
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
