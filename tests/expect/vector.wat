;; vector.s: TBs of one module, guest code at 0x10000
;; TB 2
;;   0x10000  vadd.vv v4,v4,v4
;;   0x10004  vsetvli t0,a0,e32,m1,ta,ma
;;   0x10008  vle32.v v8,(a1)
;;   0x1000c  vadd.vv v8,v8,v8
;;   0x10010  vse32.v v8,(a1)
;;   0x10014  sub a0,a0,t0
;;   0x10018  bne a0,zero,10004
;; TB 3
;;   0x10004  vsetvli t0,a0,e32,m1,ta,ma
;;   0x10008  vle32.v v8,(a1)
;;   0x1000c  vadd.vv v8,v8,v8
;;   0x10010  vse32.v v8,(a1)
;;   0x10014  sub a0,a0,t0
;;   0x10018  bne a0,zero,10004
;; TB 4
;;   0x1001c  jalr zero,0(ra)
(module
  (type (;0;) (func (result i32)))
  (type (;1;) (func (param i32) (result i32)))
  (import "env" "mem" (memory (;0;) 1))
  (import "env" "tbl" (table (;0;) 1 funcref))
  (export "2" (func 1))
  (export "3" (func 2))
  (export "4" (func 3))
  (elem (i32.const 2) func 1)
  (elem (i32.const 3) func 2)
  (elem (i32.const 4) func 3)
  (func (;0;) (type 1) (param i32) (result i32)
    (local i64 i32 i64 i32 i64 i64 i64 i32 i32 i64 i64 i64 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i64 i64 i64 i64 i64 i64 i64)
    i32.const 0
    i64.load offset=4104
    local.set 5
    i32.const 0
    i64.load offset=4360
    local.set 35
    i32.const 0
    i64.load offset=4392
    local.set 30
    i32.const 0
    i64.load offset=4432
    local.set 29
    i32.const 0
    i64.load offset=4440
    local.set 31
    block
      block
        block
          loop
            block
              block
                block
                  local.get 0
                  br_table 0 1 2 2
                end
                local.get 5
                i64.const 7
                i64.sub
                local.tee 7
                i64.const 0
                i64.lt_s
                if
                  i64.const 65536
                  local.set 1
                  i32.const 3
                  local.set 2
                  i64.const 0
                  local.set 3
                  br 4
                end
                local.get 7
                local.set 5
                i32.const 0
                i32.load offset=4940
                i32.const 3
                i32.and
                i32.const 1
                i32.eq
                if
                  i64.const 65536
                  local.set 1
                  i32.const 7
                  local.set 2
                  i64.const 0
                  local.set 3
                  br 4
                end
                i32.const 0
                i64.load offset=4920
                local.tee 7
                i64.const 0
                i64.lt_s
                if
                  i64.const 65536
                  local.set 1
                  i32.const 7
                  local.set 2
                  i64.const 0
                  local.set 3
                  br 4
                end
                local.get 7
                i32.wrap_i64
                i32.const 3
                i32.shr_u
                i32.const 7
                i32.and
                local.set 8
                local.get 7
                i32.wrap_i64
                i32.const 7
                i32.and
                local.set 9
                local.get 9
                i32.const 29
                i32.shl
                i32.const 29
                i32.shr_s
                local.set 9
                i32.const 4
                i32.const 1
                local.get 9
                i32.const 0
                local.get 9
                i32.const 0
                i32.gt_s
                select
                i32.shl
                i32.const 1
                i32.sub
                i32.and
                if
                  i64.const 65536
                  local.set 1
                  i32.const 7
                  local.set 2
                  i64.const 0
                  local.set 3
                  br 4
                end
                i32.const 4
                i32.const 1
                local.get 9
                i32.const 0
                local.get 9
                i32.const 0
                i32.gt_s
                select
                i32.shl
                i32.const 1
                i32.sub
                i32.and
                if
                  i64.const 65536
                  local.set 1
                  i32.const 7
                  local.set 2
                  i64.const 0
                  local.set 3
                  br 4
                end
                i32.const 4
                i32.const 1
                local.get 9
                i32.const 0
                local.get 9
                i32.const 0
                i32.gt_s
                select
                i32.shl
                i32.const 1
                i32.sub
                i32.and
                if
                  i64.const 65536
                  local.set 1
                  i32.const 7
                  local.set 2
                  i64.const 0
                  local.set 3
                  br 4
                end
                block
                  block
                    block
                      block
                        block
                          local.get 8
                          br_table 0 1 2 3 3
                        end
                        i32.const 0
                        i32.load offset=4928
                        i32.eqz
                        local.get 9
                        i32.const 0
                        i32.ge_s
                        i32.and
                        i32.const 0
                        i64.load offset=4912
                        i32.const 16
                        local.get 9
                        i32.shl
                        local.get 8
                        i32.shr_u
                        i64.extend_i32_u
                        i64.eq
                        i32.and
                        if
                          i32.const 1
                          local.get 9
                          i32.shl
                          local.set 14
                          i32.const 0
                          local.set 13
                          loop
                            i32.const 4
                            local.get 13
                            i32.add
                            i32.const 4
                            i32.shl
                            i32.const 4
                            local.get 13
                            i32.add
                            i32.const 4
                            i32.shl
                            v128.load offset=4944
                            i32.const 4
                            local.get 13
                            i32.add
                            i32.const 4
                            i32.shl
                            v128.load offset=4944
                            i8x16.add
                            v128.store offset=4944
                            local.get 13
                            i32.const 1
                            i32.add
                            local.tee 13
                            local.get 14
                            i32.lt_u
                            br_if 0
                          end
                        else
                          i32.const 0
                          i32.load offset=4928
                          local.set 15
                          i32.const 0
                          i64.load offset=4912
                          i32.wrap_i64
                          local.set 16
                          block
                            loop
                              local.get 15
                              local.get 16
                              i32.ge_u
                              br_if 1
                              i32.const 4
                              i32.const 4
                              i32.shl
                              local.get 15
                              i32.add
                              i32.const 4
                              i32.const 4
                              i32.shl
                              local.get 15
                              i32.add
                              i64.load8_u offset=4944
                              i32.const 4
                              i32.const 4
                              i32.shl
                              local.get 15
                              i32.add
                              i64.load8_u offset=4944
                              i64.add
                              i64.store8 offset=4944
                              local.get 15
                              i32.const 1
                              i32.add
                              local.set 15
                              br 0
                            end
                          end
                          i32.const 0
                          i32.const 0
                          i32.store offset=4928
                        end
                        br 3
                      end
                      i32.const 0
                      i32.load offset=4928
                      i32.eqz
                      local.get 9
                      i32.const 0
                      i32.ge_s
                      i32.and
                      i32.const 0
                      i64.load offset=4912
                      i32.const 16
                      local.get 9
                      i32.shl
                      local.get 8
                      i32.shr_u
                      i64.extend_i32_u
                      i64.eq
                      i32.and
                      if
                        i32.const 1
                        local.get 9
                        i32.shl
                        local.set 18
                        i32.const 0
                        local.set 17
                        loop
                          i32.const 4
                          local.get 17
                          i32.add
                          i32.const 4
                          i32.shl
                          i32.const 4
                          local.get 17
                          i32.add
                          i32.const 4
                          i32.shl
                          v128.load offset=4944
                          i32.const 4
                          local.get 17
                          i32.add
                          i32.const 4
                          i32.shl
                          v128.load offset=4944
                          i16x8.add
                          v128.store offset=4944
                          local.get 17
                          i32.const 1
                          i32.add
                          local.tee 17
                          local.get 18
                          i32.lt_u
                          br_if 0
                        end
                      else
                        i32.const 0
                        i32.load offset=4928
                        local.set 19
                        i32.const 0
                        i64.load offset=4912
                        i32.wrap_i64
                        local.set 20
                        block
                          loop
                            local.get 19
                            local.get 20
                            i32.ge_u
                            br_if 1
                            i32.const 4
                            i32.const 4
                            i32.shl
                            local.get 19
                            i32.const 1
                            i32.shl
                            i32.add
                            i32.const 4
                            i32.const 4
                            i32.shl
                            local.get 19
                            i32.const 1
                            i32.shl
                            i32.add
                            i64.load16_u offset=4944
                            i32.const 4
                            i32.const 4
                            i32.shl
                            local.get 19
                            i32.const 1
                            i32.shl
                            i32.add
                            i64.load16_u offset=4944
                            i64.add
                            i64.store16 offset=4944
                            local.get 19
                            i32.const 1
                            i32.add
                            local.set 19
                            br 0
                          end
                        end
                        i32.const 0
                        i32.const 0
                        i32.store offset=4928
                      end
                      br 2
                    end
                    i32.const 0
                    i32.load offset=4928
                    i32.eqz
                    local.get 9
                    i32.const 0
                    i32.ge_s
                    i32.and
                    i32.const 0
                    i64.load offset=4912
                    i32.const 16
                    local.get 9
                    i32.shl
                    local.get 8
                    i32.shr_u
                    i64.extend_i32_u
                    i64.eq
                    i32.and
                    if
                      i32.const 1
                      local.get 9
                      i32.shl
                      local.set 22
                      i32.const 0
                      local.set 21
                      loop
                        i32.const 4
                        local.get 21
                        i32.add
                        i32.const 4
                        i32.shl
                        i32.const 4
                        local.get 21
                        i32.add
                        i32.const 4
                        i32.shl
                        v128.load offset=4944
                        i32.const 4
                        local.get 21
                        i32.add
                        i32.const 4
                        i32.shl
                        v128.load offset=4944
                        i32x4.add
                        v128.store offset=4944
                        local.get 21
                        i32.const 1
                        i32.add
                        local.tee 21
                        local.get 22
                        i32.lt_u
                        br_if 0
                      end
                    else
                      i32.const 0
                      i32.load offset=4928
                      local.set 23
                      i32.const 0
                      i64.load offset=4912
                      i32.wrap_i64
                      local.set 24
                      block
                        loop
                          local.get 23
                          local.get 24
                          i32.ge_u
                          br_if 1
                          i32.const 4
                          i32.const 4
                          i32.shl
                          local.get 23
                          i32.const 2
                          i32.shl
                          i32.add
                          i32.const 4
                          i32.const 4
                          i32.shl
                          local.get 23
                          i32.const 2
                          i32.shl
                          i32.add
                          i64.load32_u offset=4944
                          i32.const 4
                          i32.const 4
                          i32.shl
                          local.get 23
                          i32.const 2
                          i32.shl
                          i32.add
                          i64.load32_u offset=4944
                          i64.add
                          i64.store32 offset=4944
                          local.get 23
                          i32.const 1
                          i32.add
                          local.set 23
                          br 0
                        end
                      end
                      i32.const 0
                      i32.const 0
                      i32.store offset=4928
                    end
                    br 1
                  end
                  i32.const 0
                  i32.load offset=4928
                  i32.eqz
                  local.get 9
                  i32.const 0
                  i32.ge_s
                  i32.and
                  i32.const 0
                  i64.load offset=4912
                  i32.const 16
                  local.get 9
                  i32.shl
                  local.get 8
                  i32.shr_u
                  i64.extend_i32_u
                  i64.eq
                  i32.and
                  if
                    i32.const 1
                    local.get 9
                    i32.shl
                    local.set 26
                    i32.const 0
                    local.set 25
                    loop
                      i32.const 4
                      local.get 25
                      i32.add
                      i32.const 4
                      i32.shl
                      i32.const 4
                      local.get 25
                      i32.add
                      i32.const 4
                      i32.shl
                      v128.load offset=4944
                      i32.const 4
                      local.get 25
                      i32.add
                      i32.const 4
                      i32.shl
                      v128.load offset=4944
                      i64x2.add
                      v128.store offset=4944
                      local.get 25
                      i32.const 1
                      i32.add
                      local.tee 25
                      local.get 26
                      i32.lt_u
                      br_if 0
                    end
                  else
                    i32.const 0
                    i32.load offset=4928
                    local.set 27
                    i32.const 0
                    i64.load offset=4912
                    i32.wrap_i64
                    local.set 28
                    block
                      loop
                        local.get 27
                        local.get 28
                        i32.ge_u
                        br_if 1
                        i32.const 4
                        i32.const 4
                        i32.shl
                        local.get 27
                        i32.const 3
                        i32.shl
                        i32.add
                        i32.const 4
                        i32.const 4
                        i32.shl
                        local.get 27
                        i32.const 3
                        i32.shl
                        i32.add
                        i64.load offset=4944
                        i32.const 4
                        i32.const 4
                        i32.shl
                        local.get 27
                        i32.const 3
                        i32.shl
                        i32.add
                        i64.load offset=4944
                        i64.add
                        i64.store offset=4944
                        local.get 27
                        i32.const 1
                        i32.add
                        local.set 27
                        br 0
                      end
                    end
                    i32.const 0
                    i32.const 0
                    i32.store offset=4928
                  end
                end
                i64.const 208
                local.set 12
                i32.const 1
                local.set 26
                i64.const 4
                local.set 10
                local.get 29
                i64.const -1
                i32.const 0
                i64.load offset=4912
                i32.const 5
                select
                i32.const 10
                select
                local.set 11
                i32.const 0
                local.get 11
                local.get 10
                local.get 11
                local.get 10
                i64.lt_u
                select
                i64.const 0
                local.get 26
                select
                local.tee 11
                i64.store offset=4912
                i32.const 0
                local.get 12
                i64.const -9223372036854775808
                local.get 26
                select
                i64.store offset=4920
                i32.const 0
                i32.const 0
                i32.store offset=4928
                local.get 11
                local.set 30
                i32.const 2
                local.set 26
                i32.const 0
                local.set 27
                local.get 27
                i32.const 2
                i32.add
                local.get 26
                i32.sub
                local.tee 27
                i32.const 3
                i32.add
                i32.const 6
                i32.gt_u
                if
                  i64.const 65544
                  local.set 1
                  i32.const 7
                  local.set 2
                  i64.const 0
                  local.set 3
                  br 4
                end
                i32.const 8
                i32.const 1
                local.get 27
                i32.const 0
                local.get 27
                i32.const 0
                i32.gt_s
                select
                i32.shl
                i32.const 1
                i32.sub
                i32.and
                if
                  i64.const 65544
                  local.set 1
                  i32.const 7
                  local.set 2
                  i64.const 0
                  local.set 3
                  br 4
                end
                local.get 31
                local.set 10
                i64.const -1
                local.set 12
                i32.const 0
                i64.load offset=4912
                i32.wrap_i64
                i32.const 2
                i32.shl
                local.set 28
                local.get 10
                local.get 28
                i64.extend_i32_u
                i64.add
                i64.const 1
                i64.sub
                i64.const 12
                i64.shr_u
                local.set 32
                local.get 10
                i64.const 12
                i64.shr_u
                local.set 7
                local.get 7
                i64.const 262144
                local.get 7
                i64.const 262144
                i64.lt_u
                select
                i32.wrap_i64
                i32.load8_u offset=3145728
                local.get 32
                i64.const 262144
                local.get 32
                i64.const 262144
                i64.lt_u
                select
                i32.wrap_i64
                i32.load8_u offset=3145728
                i32.and
                local.set 25
                local.get 25
                i32.const 1
                i32.and
                i32.const 0
                i32.ne
                i32.const 0
                i32.load offset=4928
                i32.eqz
                i32.and
                if
                  local.get 28
                  i32.const 16
                  i32.eq
                  if
                    i32.const 8
                    i32.const 4
                    i32.shl
                    i32.const 4944
                    i32.add
                    local.get 10
                    i32.wrap_i64
                    i32.const 16777216
                    i32.add
                    v128.load
                    v128.store
                  else
                    i32.const 8
                    i32.const 4
                    i32.shl
                    i32.const 4944
                    i32.add
                    local.get 10
                    i32.wrap_i64
                    i32.const 16777216
                    i32.add
                    local.get 28
                    memory.copy
                  end
                else
                  i32.const 0
                  i32.load offset=4928
                  local.set 24
                  i32.const 0
                  i64.load offset=4912
                  i32.wrap_i64
                  local.set 23
                  block
                    loop
                      local.get 24
                      local.get 23
                      i32.ge_u
                      br_if 1
                      local.get 10
                      local.get 24
                      i64.extend_i32_u
                      i64.const 2
                      i64.shl
                      i64.add
                      local.set 11
                      local.get 11
                      i64.const 12
                      i64.shr_u
                      local.set 33
                      local.get 33
                      i64.const 262144
                      local.get 33
                      i64.const 262144
                      i64.lt_u
                      select
                      i32.wrap_i64
                      i32.load8_u offset=3145728
                      local.set 22
                      local.get 11
                      i32.wrap_i64
                      i32.const 4095
                      i32.and
                      i32.const 4092
                      i32.gt_u
                      if
                        local.get 33
                        i64.const 1
                        i64.add
                        local.set 33
                        local.get 22
                        local.get 33
                        i64.const 262144
                        local.get 33
                        i64.const 262144
                        i64.lt_u
                        select
                        i32.wrap_i64
                        i32.load8_u offset=3145728
                        i32.and
                        local.set 22
                      end
                      local.get 22
                      i32.const 1
                      i32.and
                      i32.eqz
                      if
                        i32.const 0
                        local.get 24
                        i32.store offset=4928
                        i64.const 65544
                        local.set 1
                        i32.const 6
                        local.set 2
                        local.get 11
                        local.set 3
                        br 7
                      end
                      i32.const 8
                      i32.const 4
                      i32.shl
                      local.get 24
                      i32.const 2
                      i32.shl
                      i32.add
                      local.get 11
                      i32.wrap_i64
                      i64.load32_u offset=16777216
                      i64.store32 offset=4944
                      local.get 24
                      i32.const 1
                      i32.add
                      local.set 24
                      br 0
                    end
                  end
                  i32.const 0
                  i32.const 0
                  i32.store offset=4928
                end
                i32.const 2
                local.set 22
                i32.const 0
                local.set 23
                i32.const 8
                i32.const 1
                local.get 23
                i32.const 0
                local.get 23
                i32.const 0
                i32.gt_s
                select
                i32.shl
                i32.const 1
                i32.sub
                i32.and
                if
                  i64.const 65548
                  local.set 1
                  i32.const 7
                  local.set 2
                  i64.const 0
                  local.set 3
                  br 4
                end
                i32.const 8
                i32.const 1
                local.get 23
                i32.const 0
                local.get 23
                i32.const 0
                i32.gt_s
                select
                i32.shl
                i32.const 1
                i32.sub
                i32.and
                if
                  i64.const 65548
                  local.set 1
                  i32.const 7
                  local.set 2
                  i64.const 0
                  local.set 3
                  br 4
                end
                i32.const 8
                i32.const 1
                local.get 23
                i32.const 0
                local.get 23
                i32.const 0
                i32.gt_s
                select
                i32.shl
                i32.const 1
                i32.sub
                i32.and
                if
                  i64.const 65548
                  local.set 1
                  i32.const 7
                  local.set 2
                  i64.const 0
                  local.set 3
                  br 4
                end
                i32.const 0
                i32.load offset=4928
                i32.eqz
                i32.const 0
                i64.load offset=4912
                i64.const 4
                i64.eq
                i32.and
                if
                  i32.const 1
                  local.get 23
                  i32.shl
                  local.set 25
                  i32.const 0
                  local.set 24
                  loop
                    i32.const 8
                    local.get 24
                    i32.add
                    i32.const 4
                    i32.shl
                    i32.const 8
                    local.get 24
                    i32.add
                    i32.const 4
                    i32.shl
                    v128.load offset=4944
                    i32.const 8
                    local.get 24
                    i32.add
                    i32.const 4
                    i32.shl
                    v128.load offset=4944
                    i32x4.add
                    v128.store offset=4944
                    local.get 24
                    i32.const 1
                    i32.add
                    local.tee 24
                    local.get 25
                    i32.lt_u
                    br_if 0
                  end
                else
                  i32.const 0
                  i32.load offset=4928
                  local.set 28
                  i32.const 0
                  i64.load offset=4912
                  i32.wrap_i64
                  local.set 27
                  block
                    loop
                      local.get 28
                      local.get 27
                      i32.ge_u
                      br_if 1
                      i32.const 8
                      i32.const 4
                      i32.shl
                      local.get 28
                      i32.const 2
                      i32.shl
                      i32.add
                      i32.const 8
                      i32.const 4
                      i32.shl
                      local.get 28
                      i32.const 2
                      i32.shl
                      i32.add
                      i64.load32_u offset=4944
                      i32.const 8
                      i32.const 4
                      i32.shl
                      local.get 28
                      i32.const 2
                      i32.shl
                      i32.add
                      i64.load32_u offset=4944
                      i64.add
                      i64.store32 offset=4944
                      local.get 28
                      i32.const 1
                      i32.add
                      local.set 28
                      br 0
                    end
                  end
                  i32.const 0
                  i32.const 0
                  i32.store offset=4928
                end
                i32.const 2
                local.set 27
                i32.const 0
                local.set 28
                local.get 28
                i32.const 2
                i32.add
                local.get 27
                i32.sub
                local.tee 28
                i32.const 3
                i32.add
                i32.const 6
                i32.gt_u
                if
                  i64.const 65552
                  local.set 1
                  i32.const 7
                  local.set 2
                  i64.const 0
                  local.set 3
                  br 4
                end
                i32.const 8
                i32.const 1
                local.get 28
                i32.const 0
                local.get 28
                i32.const 0
                i32.gt_s
                select
                i32.shl
                i32.const 1
                i32.sub
                i32.and
                if
                  i64.const 65552
                  local.set 1
                  i32.const 7
                  local.set 2
                  i64.const 0
                  local.set 3
                  br 4
                end
                local.get 31
                local.set 7
                i64.const -1
                local.set 12
                i64.const -1
                local.set 33
                i32.const 0
                i64.load offset=4912
                i32.wrap_i64
                i32.const 2
                i32.shl
                local.set 24
                local.get 7
                local.get 24
                i64.extend_i32_u
                i64.add
                i64.const 1
                i64.sub
                i64.const 12
                i64.shr_u
                local.set 10
                local.get 7
                i64.const 12
                i64.shr_u
                local.set 11
                local.get 11
                i64.const 262144
                local.get 11
                i64.const 262144
                i64.lt_u
                select
                i32.wrap_i64
                i32.load8_u offset=3145728
                local.get 10
                i64.const 262144
                local.get 10
                i64.const 262144
                i64.lt_u
                select
                i32.wrap_i64
                i32.load8_u offset=3145728
                i32.and
                local.set 23
                local.get 23
                i32.const 10
                i32.and
                i32.const 2
                i32.eq
                i32.const 0
                i32.load offset=4928
                i32.eqz
                i32.and
                if
                  local.get 24
                  i32.const 16
                  i32.eq
                  if
                    local.get 7
                    i32.wrap_i64
                    i32.const 16777216
                    i32.add
                    i32.const 8
                    i32.const 4
                    i32.shl
                    i32.const 4944
                    i32.add
                    v128.load
                    v128.store
                  else
                    local.get 7
                    i32.wrap_i64
                    i32.const 16777216
                    i32.add
                    i32.const 8
                    i32.const 4
                    i32.shl
                    i32.const 4944
                    i32.add
                    local.get 24
                    memory.copy
                  end
                else
                  i32.const 0
                  i32.load offset=4928
                  local.set 22
                  i32.const 0
                  i64.load offset=4912
                  i32.wrap_i64
                  local.set 26
                  block
                    loop
                      local.get 22
                      local.get 26
                      i32.ge_u
                      br_if 1
                      local.get 7
                      local.get 22
                      i64.extend_i32_u
                      i64.const 2
                      i64.shl
                      i64.add
                      local.set 32
                      local.get 32
                      i64.const 12
                      i64.shr_u
                      local.set 34
                      local.get 34
                      i64.const 262144
                      local.get 34
                      i64.const 262144
                      i64.lt_u
                      select
                      i32.wrap_i64
                      i32.load8_u offset=3145728
                      local.set 21
                      local.get 32
                      i32.wrap_i64
                      i32.const 4095
                      i32.and
                      i32.const 4092
                      i32.gt_u
                      if
                        local.get 34
                        i64.const 1
                        i64.add
                        local.set 34
                        local.get 21
                        local.get 34
                        i64.const 262144
                        local.get 34
                        i64.const 262144
                        i64.lt_u
                        select
                        i32.wrap_i64
                        i32.load8_u offset=3145728
                        i32.and
                        local.set 21
                      end
                      local.get 21
                      local.tee 25
                      i32.const 2
                      i32.and
                      i32.eqz
                      if
                        i32.const 0
                        local.get 22
                        i32.store offset=4928
                        i64.const 65552
                        local.set 1
                        i32.const 6
                        local.set 2
                        local.get 32
                        local.set 3
                        br 7
                      end
                      local.get 32
                      local.get 33
                      local.get 25
                      i32.const 8
                      i32.and
                      select
                      local.set 33
                      local.get 32
                      i32.wrap_i64
                      i32.const 8
                      i32.const 4
                      i32.shl
                      local.get 22
                      i32.const 2
                      i32.shl
                      i32.add
                      i64.load32_u offset=4944
                      i64.store32 offset=16777216
                      local.get 22
                      i32.const 1
                      i32.add
                      local.set 22
                      br 0
                    end
                  end
                  i32.const 0
                  i32.const 0
                  i32.store offset=4928
                end
                local.get 33
                i64.const -1
                i64.ne
                if
                  i64.const 65556
                  local.set 1
                  i32.const 8
                  local.set 2
                  local.get 33
                  local.set 3
                  br 4
                end
                local.get 29
                local.get 30
                i64.sub
                local.set 29
                local.get 29
                i64.const 0
                i64.ne
                if
                  i32.const 1
                  local.set 0
                  br 3
                end
                i32.const 2
                local.set 0
                br 2
              end
              local.get 5
              i64.const 6
              i64.sub
              local.tee 34
              i64.const 0
              i64.lt_s
              if
                i64.const 65540
                local.set 1
                i32.const 3
                local.set 2
                i64.const 0
                local.set 3
                br 3
              end
              local.get 34
              local.set 5
              i32.const 0
              i32.load offset=4940
              i32.const 3
              i32.and
              i32.const 1
              i32.eq
              if
                i64.const 65540
                local.set 1
                i32.const 7
                local.set 2
                i64.const 0
                local.set 3
                br 3
              end
              i64.const 208
              local.set 34
              i32.const 1
              local.set 22
              i64.const 4
              local.set 11
              local.get 29
              i64.const -1
              i32.const 0
              i64.load offset=4912
              i32.const 5
              select
              i32.const 10
              select
              local.set 10
              i32.const 0
              local.get 10
              local.get 11
              local.get 10
              local.get 11
              i64.lt_u
              select
              i64.const 0
              local.get 22
              select
              local.tee 10
              i64.store offset=4912
              i32.const 0
              local.get 34
              i64.const -9223372036854775808
              local.get 22
              select
              i64.store offset=4920
              i32.const 0
              i32.const 0
              i32.store offset=4928
              local.get 10
              local.set 30
              i32.const 2
              local.set 22
              i32.const 0
              local.set 26
              local.get 26
              i32.const 2
              i32.add
              local.get 22
              i32.sub
              local.tee 26
              i32.const 3
              i32.add
              i32.const 6
              i32.gt_u
              if
                i64.const 65544
                local.set 1
                i32.const 7
                local.set 2
                i64.const 0
                local.set 3
                br 3
              end
              i32.const 8
              i32.const 1
              local.get 26
              i32.const 0
              local.get 26
              i32.const 0
              i32.gt_s
              select
              i32.shl
              i32.const 1
              i32.sub
              i32.and
              if
                i64.const 65544
                local.set 1
                i32.const 7
                local.set 2
                i64.const 0
                local.set 3
                br 3
              end
              local.get 31
              local.set 11
              i64.const -1
              local.set 34
              i32.const 0
              i64.load offset=4912
              i32.wrap_i64
              i32.const 2
              i32.shl
              local.set 21
              local.get 11
              local.get 21
              i64.extend_i32_u
              i64.add
              i64.const 1
              i64.sub
              i64.const 12
              i64.shr_u
              local.set 33
              local.get 11
              i64.const 12
              i64.shr_u
              local.set 12
              local.get 12
              i64.const 262144
              local.get 12
              i64.const 262144
              i64.lt_u
              select
              i32.wrap_i64
              i32.load8_u offset=3145728
              local.get 33
              i64.const 262144
              local.get 33
              i64.const 262144
              i64.lt_u
              select
              i32.wrap_i64
              i32.load8_u offset=3145728
              i32.and
              local.set 23
              local.get 23
              i32.const 1
              i32.and
              i32.const 0
              i32.ne
              i32.const 0
              i32.load offset=4928
              i32.eqz
              i32.and
              if
                local.get 21
                i32.const 16
                i32.eq
                if
                  i32.const 8
                  i32.const 4
                  i32.shl
                  i32.const 4944
                  i32.add
                  local.get 11
                  i32.wrap_i64
                  i32.const 16777216
                  i32.add
                  v128.load
                  v128.store
                else
                  i32.const 8
                  i32.const 4
                  i32.shl
                  i32.const 4944
                  i32.add
                  local.get 11
                  i32.wrap_i64
                  i32.const 16777216
                  i32.add
                  local.get 21
                  memory.copy
                end
              else
                i32.const 0
                i32.load offset=4928
                local.set 24
                i32.const 0
                i64.load offset=4912
                i32.wrap_i64
                local.set 25
                block
                  loop
                    local.get 24
                    local.get 25
                    i32.ge_u
                    br_if 1
                    local.get 11
                    local.get 24
                    i64.extend_i32_u
                    i64.const 2
                    i64.shl
                    i64.add
                    local.set 10
                    local.get 10
                    i64.const 12
                    i64.shr_u
                    local.set 32
                    local.get 32
                    i64.const 262144
                    local.get 32
                    i64.const 262144
                    i64.lt_u
                    select
                    i32.wrap_i64
                    i32.load8_u offset=3145728
                    local.set 28
                    local.get 10
                    i32.wrap_i64
                    i32.const 4095
                    i32.and
                    i32.const 4092
                    i32.gt_u
                    if
                      local.get 32
                      i64.const 1
                      i64.add
                      local.set 32
                      local.get 28
                      local.get 32
                      i64.const 262144
                      local.get 32
                      i64.const 262144
                      i64.lt_u
                      select
                      i32.wrap_i64
                      i32.load8_u offset=3145728
                      i32.and
                      local.set 28
                    end
                    local.get 28
                    i32.const 1
                    i32.and
                    i32.eqz
                    if
                      i32.const 0
                      local.get 24
                      i32.store offset=4928
                      i64.const 65544
                      local.set 1
                      i32.const 6
                      local.set 2
                      local.get 10
                      local.set 3
                      br 6
                    end
                    i32.const 8
                    i32.const 4
                    i32.shl
                    local.get 24
                    i32.const 2
                    i32.shl
                    i32.add
                    local.get 10
                    i32.wrap_i64
                    i64.load32_u offset=16777216
                    i64.store32 offset=4944
                    local.get 24
                    i32.const 1
                    i32.add
                    local.set 24
                    br 0
                  end
                end
                i32.const 0
                i32.const 0
                i32.store offset=4928
              end
              i32.const 2
              local.set 28
              i32.const 0
              local.set 25
              i32.const 8
              i32.const 1
              local.get 25
              i32.const 0
              local.get 25
              i32.const 0
              i32.gt_s
              select
              i32.shl
              i32.const 1
              i32.sub
              i32.and
              if
                i64.const 65548
                local.set 1
                i32.const 7
                local.set 2
                i64.const 0
                local.set 3
                br 3
              end
              i32.const 8
              i32.const 1
              local.get 25
              i32.const 0
              local.get 25
              i32.const 0
              i32.gt_s
              select
              i32.shl
              i32.const 1
              i32.sub
              i32.and
              if
                i64.const 65548
                local.set 1
                i32.const 7
                local.set 2
                i64.const 0
                local.set 3
                br 3
              end
              i32.const 8
              i32.const 1
              local.get 25
              i32.const 0
              local.get 25
              i32.const 0
              i32.gt_s
              select
              i32.shl
              i32.const 1
              i32.sub
              i32.and
              if
                i64.const 65548
                local.set 1
                i32.const 7
                local.set 2
                i64.const 0
                local.set 3
                br 3
              end
              i32.const 0
              i32.load offset=4928
              i32.eqz
              i32.const 0
              i64.load offset=4912
              i64.const 4
              i64.eq
              i32.and
              if
                i32.const 1
                local.get 25
                i32.shl
                local.set 23
                i32.const 0
                local.set 24
                loop
                  i32.const 8
                  local.get 24
                  i32.add
                  i32.const 4
                  i32.shl
                  i32.const 8
                  local.get 24
                  i32.add
                  i32.const 4
                  i32.shl
                  v128.load offset=4944
                  i32.const 8
                  local.get 24
                  i32.add
                  i32.const 4
                  i32.shl
                  v128.load offset=4944
                  i32x4.add
                  v128.store offset=4944
                  local.get 24
                  i32.const 1
                  i32.add
                  local.tee 24
                  local.get 23
                  i32.lt_u
                  br_if 0
                end
              else
                i32.const 0
                i32.load offset=4928
                local.set 21
                i32.const 0
                i64.load offset=4912
                i32.wrap_i64
                local.set 26
                block
                  loop
                    local.get 21
                    local.get 26
                    i32.ge_u
                    br_if 1
                    i32.const 8
                    i32.const 4
                    i32.shl
                    local.get 21
                    i32.const 2
                    i32.shl
                    i32.add
                    i32.const 8
                    i32.const 4
                    i32.shl
                    local.get 21
                    i32.const 2
                    i32.shl
                    i32.add
                    i64.load32_u offset=4944
                    i32.const 8
                    i32.const 4
                    i32.shl
                    local.get 21
                    i32.const 2
                    i32.shl
                    i32.add
                    i64.load32_u offset=4944
                    i64.add
                    i64.store32 offset=4944
                    local.get 21
                    i32.const 1
                    i32.add
                    local.set 21
                    br 0
                  end
                end
                i32.const 0
                i32.const 0
                i32.store offset=4928
              end
              i32.const 2
              local.set 26
              i32.const 0
              local.set 21
              local.get 21
              i32.const 2
              i32.add
              local.get 26
              i32.sub
              local.tee 21
              i32.const 3
              i32.add
              i32.const 6
              i32.gt_u
              if
                i64.const 65552
                local.set 1
                i32.const 7
                local.set 2
                i64.const 0
                local.set 3
                br 3
              end
              i32.const 8
              i32.const 1
              local.get 21
              i32.const 0
              local.get 21
              i32.const 0
              i32.gt_s
              select
              i32.shl
              i32.const 1
              i32.sub
              i32.and
              if
                i64.const 65552
                local.set 1
                i32.const 7
                local.set 2
                i64.const 0
                local.set 3
                br 3
              end
              local.get 31
              local.set 12
              i64.const -1
              local.set 34
              i64.const -1
              local.set 32
              i32.const 0
              i64.load offset=4912
              i32.wrap_i64
              i32.const 2
              i32.shl
              local.set 24
              local.get 12
              local.get 24
              i64.extend_i32_u
              i64.add
              i64.const 1
              i64.sub
              i64.const 12
              i64.shr_u
              local.set 11
              local.get 12
              i64.const 12
              i64.shr_u
              local.set 10
              local.get 10
              i64.const 262144
              local.get 10
              i64.const 262144
              i64.lt_u
              select
              i32.wrap_i64
              i32.load8_u offset=3145728
              local.get 11
              i64.const 262144
              local.get 11
              i64.const 262144
              i64.lt_u
              select
              i32.wrap_i64
              i32.load8_u offset=3145728
              i32.and
              local.set 25
              local.get 25
              i32.const 10
              i32.and
              i32.const 2
              i32.eq
              i32.const 0
              i32.load offset=4928
              i32.eqz
              i32.and
              if
                local.get 24
                i32.const 16
                i32.eq
                if
                  local.get 12
                  i32.wrap_i64
                  i32.const 16777216
                  i32.add
                  i32.const 8
                  i32.const 4
                  i32.shl
                  i32.const 4944
                  i32.add
                  v128.load
                  v128.store
                else
                  local.get 12
                  i32.wrap_i64
                  i32.const 16777216
                  i32.add
                  i32.const 8
                  i32.const 4
                  i32.shl
                  i32.const 4944
                  i32.add
                  local.get 24
                  memory.copy
                end
              else
                i32.const 0
                i32.load offset=4928
                local.set 28
                i32.const 0
                i64.load offset=4912
                i32.wrap_i64
                local.set 22
                block
                  loop
                    local.get 28
                    local.get 22
                    i32.ge_u
                    br_if 1
                    local.get 12
                    local.get 28
                    i64.extend_i32_u
                    i64.const 2
                    i64.shl
                    i64.add
                    local.set 33
                    local.get 33
                    i64.const 12
                    i64.shr_u
                    local.set 7
                    local.get 7
                    i64.const 262144
                    local.get 7
                    i64.const 262144
                    i64.lt_u
                    select
                    i32.wrap_i64
                    i32.load8_u offset=3145728
                    local.set 27
                    local.get 33
                    i32.wrap_i64
                    i32.const 4095
                    i32.and
                    i32.const 4092
                    i32.gt_u
                    if
                      local.get 7
                      i64.const 1
                      i64.add
                      local.set 7
                      local.get 27
                      local.get 7
                      i64.const 262144
                      local.get 7
                      i64.const 262144
                      i64.lt_u
                      select
                      i32.wrap_i64
                      i32.load8_u offset=3145728
                      i32.and
                      local.set 27
                    end
                    local.get 27
                    local.tee 23
                    i32.const 2
                    i32.and
                    i32.eqz
                    if
                      i32.const 0
                      local.get 28
                      i32.store offset=4928
                      i64.const 65552
                      local.set 1
                      i32.const 6
                      local.set 2
                      local.get 33
                      local.set 3
                      br 6
                    end
                    local.get 33
                    local.get 32
                    local.get 23
                    i32.const 8
                    i32.and
                    select
                    local.set 32
                    local.get 33
                    i32.wrap_i64
                    i32.const 8
                    i32.const 4
                    i32.shl
                    local.get 28
                    i32.const 2
                    i32.shl
                    i32.add
                    i64.load32_u offset=4944
                    i64.store32 offset=16777216
                    local.get 28
                    i32.const 1
                    i32.add
                    local.set 28
                    br 0
                  end
                end
                i32.const 0
                i32.const 0
                i32.store offset=4928
              end
              local.get 32
              i64.const -1
              i64.ne
              if
                i64.const 65556
                local.set 1
                i32.const 8
                local.set 2
                local.get 32
                local.set 3
                br 3
              end
              local.get 29
              local.get 30
              i64.sub
              local.set 29
              local.get 29
              i64.const 0
              i64.ne
              if
                i32.const 1
                local.set 0
                br 2
              end
              i32.const 2
              local.set 0
              br 1
            end
            local.get 5
            i64.const 1
            i64.sub
            local.tee 7
            i64.const 0
            i64.lt_s
            if
              i64.const 65564
              local.set 1
              i32.const 3
              local.set 2
              i64.const 0
              local.set 3
              br 2
            end
            local.get 7
            local.set 5
            local.get 35
            i64.const -2
            i64.and
            local.set 7
            i64.const 65568
            drop
            local.get 7
            local.set 1
            br 2
          end
          unreachable
        end
        i32.const 0
        local.get 5
        i64.store offset=4104
        i32.const 0
        local.get 30
        i64.store offset=4392
        i32.const 0
        local.get 29
        i64.store offset=4432
        i32.const 0
        local.get 1
        i64.store offset=4864
        i32.const 0
        local.get 3
        i64.store offset=4096
        local.get 2
        return
      end
      i32.const 0
      local.get 5
      i64.store offset=4104
      i32.const 0
      local.get 30
      i64.store offset=4392
      i32.const 0
      local.get 29
      i64.store offset=4432
      i32.const 0
      local.get 1
      i64.store offset=4864
      local.get 1
      local.get 1
      i64.const 16
      i64.shr_u
      i64.xor
      i32.wrap_i64
      i32.const 1
      i32.shr_u
      i32.const 65535
      i32.and
      i32.const 4
      i32.shl
      local.tee 27
      i64.load offset=1048576
      local.get 1
      i64.eq
      if
        local.get 27
        i32.load offset=1048584
        local.tee 22
        if
          local.get 22
          return_call_indirect (type 0)
        end
      end
      i32.const 0
      i32.load offset=4140
      local.tee 22
      if
        local.get 22
        return_call_indirect (type 0)
      end
      i32.const 2
      return
    end
    i32.const 0
    local.get 5
    i64.store offset=4104
    i32.const 0
    local.get 30
    i64.store offset=4392
    i32.const 0
    local.get 29
    i64.store offset=4432
    i32.const 0
    local.get 1
    i64.store offset=4864
    local.get 4
    i32.load
    local.tee 28
    if
      local.get 28
      return_call_indirect (type 0)
    end
    i32.const 0
    local.get 4
    i32.const 131072
    i32.sub
    i32.const 3
    i32.shr_u
    i32.store offset=4128
    i32.const 0
    local.get 4
    i32.const 131072
    i32.sub
    i32.const 2
    i32.shr_u
    i32.const 1
    i32.and
    i32.store offset=4132
    i32.const 1
    return
    unreachable
  )
  (func (;1;) (type 0) (result i32)
    i32.const 0
    return_call 0
  )
  (func (;2;) (type 0) (result i32)
    i32.const 1
    return_call 0
  )
  (func (;3;) (type 0) (result i32)
    i32.const 2
    return_call 0
  )
)
