function dcp_golden (case_dir, out_dir, metin_dir, tanay_dir)
  % DCP_GOLDEN  Run public dark-channel-prior MATLAB codes on the cases of a manifest.
  %
  %   dcp_golden(case_dir, out_dir, metin_dir, tanay_dir)
  %
  % case_dir   folder written by `python benchmarks/golden/filters_parity_compare.py write
  %            DIR`: dcp_cases.tsv (name, RGB PNG, patch size, omega) and the PNGs.
  % out_dir    where the outputs go (float64 little-endian, column-major):
  %              <name>_dc.f64    dark_channel(I, patch)           (metin_dir)
  %              <name>_dcvh.f64  dark_channel_van_herk(I, patch)  (metin_dir)
  %              <name>_t.f64     transmission(I, A, patch, omega) with A below
  %              <name>_dct.f64   DarkChannel(I, patch, patch)     (tanay_dir, if given)
  % metin_dir  metinsuloglu/Haze-Removal: dark_channel.m, dark_channel_van_herk.m,
  %            atmospheric_light.m, transmission.m.
  % tanay_dir  optional: TanayNarshana/Single-Image-Dehazing-1: DarkChannel.m, AirLight.m.
  %
  % I = double(imread(png)) / 255. Airlights: A = atmospheric_light(I, dc) (metin: the
  % ceil(0.001 N) largest dark-channel pixels by sort 'descend', the one of largest Euclidean
  % norm) and, with tanay_dir, A_t = AirLight(I, dct) (floor(0.001 N) pixels, largest norm).
  % Output lines: name <TAB> key <TAB> value (%.17g): A1..A3, At1..At3 and, per map, its
  % sum. This file holds only calls.
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
    tanay_dir = '';
  end
  if (~exist (out_dir, 'dir'))
    mkdir (out_dir);
  end
  addpath (metin_dir);
  if (~isempty (tanay_dir))
    addpath (tanay_dir);
  end
  fid = fopen (fullfile (case_dir, 'dcp_cases.tsv'));
  c = textscan (fid, '%s %s %f %f', 'Delimiter', '\t', 'CommentStyle', '#');
  fclose (fid);
  [names, images, patches, omegas] = c{:};
  for k = 1:numel (names)
    I = double (imread (fullfile (case_dir, images{k}))) / 255;
    n = names{k};
    dc = dark_channel (I, patches(k));
    dcvh = dark_channel_van_herk (I, patches(k));
    A = atmospheric_light (I, dc);
    t = transmission (I, A, patches(k), omegas(k));
    write_f64 (fullfile (out_dir, [n '_dc.f64']), dc);
    write_f64 (fullfile (out_dir, [n '_dcvh.f64']), dcvh);
    write_f64 (fullfile (out_dir, [n '_t.f64']), t);
    for j = 1:3
      fprintf ('%s\tA%d\t%.17g\n', n, j, A(j));
    end
    fprintf ('%s\t%s\t%.17g\n', n, 'dc_sum', sum (dc(:)));
    fprintf ('%s\t%s\t%.17g\n', n, 't_sum', sum (t(:)));
    if (~isempty (tanay_dir))
      dct = DarkChannel (I, patches(k), patches(k));
      At = AirLight (I, dct);
      write_f64 (fullfile (out_dir, [n '_dct.f64']), dct);
      for j = 1:3
        fprintf ('%s\tAt%d\t%.17g\n', n, j, At(j));
      end
    end
  end
end

function write_f64 (path, x)
  fid = fopen (path, 'w', 'ieee-le');
  fwrite (fid, double (x), 'double');
  fclose (fid);
end
