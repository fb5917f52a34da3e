// Hand-written fixture for da4ml.verif (tests/hdl_fixtures.py, ADDSUB_OPS). Pipelined: latency 2, II 1.
`timescale 1ns / 1ps
`default_nettype none
module addsub_pipe (
    input  wire        clk,
    input  wire [10:0] model_inp,   // lane 0: x0 (1,3,2) [5:0]; lane 1: x1 (0,4,1) [10:6]
    output wire [29:0] model_out    // lanes: y0 (1,5,2) [7:0]; y1 (1,6,2) [16:8]; y2 (0,5,0) [21:17]; y3 (1,5,2) [29:22]
);
    reg [10:0] inp_r;
    reg [29:0] out_r;
    wire [5:0] x0 = inp_r[5:0];
    wire [4:0] x1 = inp_r[10:6];
    wire [7:0] y0 = {{2{x0[5]}}, x0} + {2'b00, x1, 1'b0};    // op 2: x0 + x1 at step 2**-2
    wire [8:0] y1 = {{3{x0[5]}}, x0} - {2'b00, x1, 2'b00};   // op 3: x0 - 2*x1 at step 2**-2
    wire [4:0] y2 = x1;                                      // out 2: x1 * 2**1 at step 1
    wire [7:0] y3 = y0 + 8'd3;                               // op 4: op2 + 3 LSB
    always @(posedge clk) begin
        inp_r <= model_inp;
        out_r <= {y3, y2, y1, y0};
    end
    assign model_out = out_r;
endmodule
`default_nettype wire
